//! LOLWUT: the version's computer art, as Redis 7.0 draws it (`lolwut.c`, `lolwut5.c`,
//! `lolwut6.c`). `LOLWUT` (this version, 7) and versions other than 5 and 6 print the version
//! line; `VERSION 5` draws Georg Nees's Schotter in Braille characters, `VERSION 6` a city
//! skyline in grey ANSI blocks. The randomness (Schotter's tilt below the second row, the
//! skyline's buildings) comes from the server's generator, so only the deterministic parts
//! match a Redis drawing cell for cell.

use super::{int_arg, is};
use crate::command::{flags::*, CmdResult, Command};
use crate::families::connection::REDIS_VERSION;
use crate::{cmd, Ctx};

/// A canvas of `width` x `height` pixels, each a colour number (Redis's `lwCanvas`).
struct Canvas {
    width: i64,
    height: i64,
    pixels: Vec<u8>,
}

impl Canvas {
    fn new(width: i64, height: i64, bg: u8) -> Canvas {
        Canvas {
            width,
            height,
            pixels: vec![bg; (width * height) as usize],
        }
    }

    fn draw(&mut self, x: i64, y: i64, color: u8) {
        if (0..self.width).contains(&x) && (0..self.height).contains(&y) {
            self.pixels[(x + y * self.width) as usize] = color;
        }
    }

    fn get(&self, x: i64, y: i64) -> u8 {
        if (0..self.width).contains(&x) && (0..self.height).contains(&y) {
            self.pixels[(x + y * self.width) as usize]
        } else {
            0
        }
    }

    /// Bresenham's line, both ends included.
    fn line(&mut self, mut x1: i64, mut y1: i64, x2: i64, y2: i64, color: u8) {
        let (dx, dy) = ((x2 - x1).abs(), (y2 - y1).abs());
        let sx = if x1 < x2 { 1 } else { -1 };
        let sy = if y1 < y2 { 1 } else { -1 };
        let mut err = dx - dy;
        loop {
            self.draw(x1, y1, color);
            if x1 == x2 && y1 == y2 {
                break;
            }
            let e2 = err * 2;
            if e2 > -dy {
                err -= dy;
                x1 += sx;
            }
            if e2 < dx {
                err += dx;
                y1 += sy;
            }
        }
    }

    /// A square centred on (x, y), `size` across, turned by `angle` radians.
    fn square(&mut self, x: i64, y: i64, size: f32, angle: f32) {
        let size = (size / std::f32::consts::SQRT_2).round();
        let pi = std::f32::consts::PI;
        let corners: Vec<(i64, i64)> = [pi / 4.0, pi / 4.0 * 3.0, pi / 4.0 * 5.0, pi / 4.0 * 7.0]
            .iter()
            .map(|a| {
                let px = (((a + angle) as f64).sin() * size as f64 + x as f64).round() as i64;
                let py = (((a + angle) as f64).cos() * size as f64 + y as f64).round() as i64;
                (px, py)
            })
            .collect();
        for j in 0..4 {
            let (a, b) = (corners[j], corners[(j + 1) % 4]);
            self.line(a.0, a.1, b.0, b.1, 1);
        }
    }
}

/// A random number as C's `rand()` would give one (0..=RAND_MAX).
fn rand() -> i64 {
    (crate::rand::u64() >> 33) as i64
}

const RAND_MAX: f32 = 2_147_483_647.0;

/// Version 5: Schotter on a canvas `cols` characters wide (2 x 4 pixels per character).
fn schotter(cols: i64, per_row: i64, per_col: i64) -> String {
    let width = cols * 2;
    let padding = if width > 4 { 2 } else { 0 };
    let side = (width - padding * 2) as f32 / per_row as f32;
    let height = (side * per_col as f32) as i64 + padding * 2;
    let mut c = Canvas::new(width, height, 0);
    for y in 0..per_col {
        for x in 0..per_row {
            let mut sx = (x as f32 * side + side / 2.0 + padding as f32) as i64;
            let mut sy = (y as f32 * side + side / 2.0 + padding as f32) as i64;
            let mut angle = 0.0;
            if y > 1 {
                let tilt = || rand() as f32 / RAND_MAX / per_col as f32 * y as f32;
                let (mut r1, mut r2, mut r3) = (tilt(), tilt(), tilt());
                for r in [&mut r1, &mut r2, &mut r3] {
                    if rand() % 2 == 1 {
                        *r = -*r;
                    }
                }
                angle = r1;
                sx += (r2 * side / 3.0) as i64;
                sy += (r3 * side / 3.0) as i64;
            }
            c.square(sx, sy, side, angle);
        }
    }
    let mut out = String::new();
    let mut y = 0;
    while y < c.height {
        let mut x = 0;
        while x < c.width {
            // Braille: dots 1-2-3 and 7 down the left column, 4-5-6 and 8 down the right.
            let dots = [
                (0, 0),
                (0, 1),
                (0, 2),
                (1, 0),
                (1, 1),
                (1, 2),
                (0, 3),
                (1, 3),
            ];
            let byte = dots
                .iter()
                .enumerate()
                .filter(|(_, (dx, dy))| c.get(x + dx, y + dy) != 0)
                .fold(0u32, |b, (i, _)| b | 1 << i);
            out.push(char::from_u32(0x2800 + byte).unwrap_or(' '));
            x += 2;
        }
        if y != c.height - 1 {
            out.push('\n');
        }
        y += 4;
    }
    out + "\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. " + REDIS_VERSION + "\n"
}

/// One building of the skyline (Redis's `generateSkyscraper`).
fn skyscraper(c: &mut Canvas, xoff: i64, width: i64, height: i64, windows: bool, color: u8) {
    let starty = c.height - 1;
    let endy = starty - height + 1;
    let mut y = starty;
    while y >= endy {
        for x in xoff..xoff + width {
            // The roof's corners are cut.
            if y == endy && (x <= xoff + 1 || x >= xoff + width - 2) {
                continue;
            }
            let mut col = color;
            if windows && x > xoff + 1 && x < xoff + width - 2 && y > endy + 1 && y < starty - 1 {
                let relx = x - (xoff + 1);
                let rely = y - (endy + 1);
                if (relx / 2) % 2 == 1 && rely % 2 == 1 {
                    loop {
                        col = (1 + rand() % 2) as u8;
                        if col != color {
                            break;
                        }
                    }
                    if relx % 2 == 1 {
                        col = c.get(x - 1, y);
                    }
                }
            }
            c.draw(x, y, col);
        }
        y -= 1;
    }
}

/// Version 6: a skyline of three layers on a `cols` x `rows` canvas.
fn skyline(cols: i64, rows: i64) -> String {
    let mut c = Canvas::new(cols, rows, 3);
    for color in [2u8, 1] {
        let mut offset = -10;
        while offset < c.width {
            offset += rand() % 8;
            let width = 10 + rand() % 9;
            let height = if color == 2 {
                c.height / 2 + (rand() % c.height) / 2
            } else {
                c.height / 2 + (rand() % c.height) / 3
            };
            skyscraper(&mut c, offset, width, height, false, color);
            offset += if color == 2 { width / 2 } else { width + 1 };
        }
    }
    let mut offset = -10;
    while offset < c.width {
        offset += rand() % 8;
        let mut width = 5 + rand() % 14;
        if width % 4 != 0 {
            width += width % 3;
        }
        let height = c.height / 3 + (rand() % c.height) / 2;
        skyscraper(&mut c, offset, width, height, true, 0);
        offset += width + 5;
    }
    let mut out = String::new();
    for y in 0..c.height {
        for x in 0..c.width {
            let code = match c.get(x, y) {
                1 => "0;90;100m",
                2 => "0;37;47m",
                3 => "0;97;107m",
                _ => "0;30;40m",
            };
            out += "\x1b[";
            out += code;
            out += " \x1b[0m";
        }
        if y != c.height - 1 {
            out.push('\n');
        }
    }
    out + "\nDedicated to the 8 bit game developers of past and present.\nOriginal 8 bit image from Plaguemon by hikikomori. Redis ver. " + REDIS_VERSION + "\n"
}

/// `LOLWUT [VERSION version] [argument ...]`: unknown arguments are ignored, as in Redis.
fn lolwut(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let mut version: i64 = REDIS_VERSION
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(7);
    let mut rest = &args[1..];
    if args.len() >= 3 && is(args[1], "version") {
        version = int_arg(args[2])?;
        rest = &args[3..];
    }
    // The numeric arguments of versions 5 and 6, clamped as Redis clamps them.
    let num = |i: usize, default: i64, max: i64| -> Result<i64, crate::error::CmdError> {
        Ok(match rest.get(i) {
            Some(a) => int_arg(a)?,
            None => default,
        }
        .clamp(1, max))
    };
    let text = match version as u32 {
        5 => {
            let cols = num(0, 66, 1000)?;
            let per_row = num(1, 8, 200)?;
            let per_col = num(2, 12, 200)?;
            schotter(cols, per_row, per_col)
        }
        6 => {
            let cols = num(0, 80, 1000)?;
            let rows = num(1, 20, 1000)?;
            skyline(cols, rows)
        }
        _ => format!("Redis ver. {REDIS_VERSION}\n"),
    };
    ctx.out.verbatim("txt", text.as_bytes());
    Ok(())
}

/// The LOLWUT row of the command table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    cmd!("lolwut", -1, READONLY | FAST, 0, 0, 0, [], lolwut),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schotter_rows_without_tilt_are_redis_drawing() {
        // Redis 7.0.15: LOLWUT VERSION 5 1 1 1.
        assert_eq!(
            schotter(1, 1, 1),
            format!("\u{280b}\n\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. {REDIS_VERSION}\n")
        );
    }

    #[test]
    fn the_skyline_fills_the_canvas() {
        let s = skyline(10, 3);
        let rows: Vec<&str> = s.lines().collect();
        assert_eq!(rows.len(), 5);
        for r in &rows[..3] {
            assert_eq!(r.matches("\x1b[0m").count(), 10);
        }
    }
}
