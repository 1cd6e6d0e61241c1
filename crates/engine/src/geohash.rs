//! The geohash arithmetic behind the geo commands, as Redis 7.0 computes it: 52-bit
//! interleaved hashes (26 steps of latitude and longitude, latitude on the even bits) over the
//! Web Mercator limits, cell decoding, the eight neighbours, the step a search radius needs,
//! the nine cells that cover a radius or box search, and haversine distances on a sphere of
//! radius 6372797.560856 m.
//!
//! Every operation keeps Redis's floating-point order of evaluation, so that scores,
//! coordinates and distances agree with Redis to the last digit (the trigonometry is the
//! platform's libm, as Redis's).

/// Hash precision in steps: 26 bits of each coordinate, 52 bits in all.
pub const STEP_MAX: u8 = 26;
/// The southern limit of the encodable area (Web Mercator).
pub const LAT_MIN: f64 = -85.05112878;
/// The northern limit of the encodable area.
pub const LAT_MAX: f64 = 85.05112878;
/// The western limit.
pub const LON_MIN: f64 = -180.0;
/// The eastern limit.
pub const LON_MAX: f64 = 180.0;
/// The radius of the sphere distances are measured on, in metres.
pub const EARTH_RADIUS: f64 = 6372797.560856;
/// Half the Mercator projection's width, in metres (the step estimate doubles up to it).
const MERCATOR_MAX: f64 = 20037726.37;
/// Degrees to radians, as Redis's `D_R` (`M_PI / 180.0`).
const D_R: f64 = std::f64::consts::PI / 180.0;

/// A hash of `step` bits per coordinate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Bits {
    /// The interleaved bits (latitude on even positions, longitude on odd ones).
    pub bits: u64,
    /// Bits per coordinate; 0 (with `bits` 0) marks an excluded cell.
    pub step: u8,
}

impl Bits {
    /// True for the excluded cell (Redis's `HASHISZERO`).
    pub fn is_zero(&self) -> bool {
        self.bits == 0 && self.step == 0
    }

    /// The hash shifted to the 52-bit score scale (Redis's `geohashAlign52Bits`).
    pub fn align52(&self) -> u64 {
        self.bits << (52 - u32::from(self.step) * 2)
    }

    /// The half-open score range `[min, max)` the cell covers in a sorted set.
    pub fn score_range(&self) -> (f64, f64) {
        let min = self.align52();
        let max = Bits {
            bits: self.bits.wrapping_add(1),
            step: self.step,
        }
        .align52();
        (min as f64, max as f64)
    }
}

/// A closed coordinate interval.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Range {
    /// Lower end.
    pub min: f64,
    /// Upper end.
    pub max: f64,
}

/// The cell a hash names.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Area {
    /// Its longitudes.
    pub lon: Range,
    /// Its latitudes.
    pub lat: Range,
}

/// The eight cells around one, named by direction.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Neighbors {
    /// North.
    pub north: Bits,
    /// South.
    pub south: Bits,
    /// East.
    pub east: Bits,
    /// West.
    pub west: Bits,
    /// North-east.
    pub north_east: Bits,
    /// North-west.
    pub north_west: Bits,
    /// South-east.
    pub south_east: Bits,
    /// South-west.
    pub south_west: Bits,
}

/// The Redis ranges: longitude ±180, latitude ±85.05112878.
pub const WGS84: (Range, Range) = (
    Range {
        min: LON_MIN,
        max: LON_MAX,
    },
    Range {
        min: LAT_MIN,
        max: LAT_MAX,
    },
);

/// The standard geohash ranges (latitude ±90), which GEOHASH re-encodes into.
pub const STANDARD: (Range, Range) = (
    Range {
        min: -180.0,
        max: 180.0,
    },
    Range {
        min: -90.0,
        max: 90.0,
    },
);

/// Spreads the 32 bits of `v` to the even bit positions of a u64.
fn spread(v: u32) -> u64 {
    let mut x = u64::from(v);
    x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF;
    x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x << 2)) & 0x3333_3333_3333_3333;
    x = (x | (x << 1)) & 0x5555_5555_5555_5555;
    x
}

/// Gathers the even bits of `x` into 32 bits.
fn gather(x: u64) -> u32 {
    let mut x = x & 0x5555_5555_5555_5555;
    x = (x | (x >> 1)) & 0x3333_3333_3333_3333;
    x = (x | (x >> 2)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x >> 4)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x >> 8)) & 0x0000_FFFF_0000_FFFF;
    x = (x | (x >> 16)) & 0x0000_0000_FFFF_FFFF;
    x as u32
}

/// Interleaves latitude bits (even positions) with longitude bits (odd positions).
pub fn interleave(lat: u32, lon: u32) -> u64 {
    spread(lat) | (spread(lon) << 1)
}

/// Splits interleaved bits into (latitude, longitude).
pub fn deinterleave(bits: u64) -> (u32, u32) {
    (gather(bits), gather(bits >> 1))
}

/// Encodes a point at `step` bits per coordinate within `ranges` (longitude, latitude). None
/// outside the Redis limits or the ranges, as `geohashEncode` fails.
pub fn encode(ranges: (Range, Range), lon: f64, lat: f64, step: u8) -> Option<Bits> {
    let (lon_r, lat_r) = ranges;
    if step == 0 || step > 32 {
        return None;
    }
    // NaN fails every comparison below, so it is refused as out of range.
    if !(LON_MIN..=LON_MAX).contains(&lon) || !(LAT_MIN..=LAT_MAX).contains(&lat) {
        return None;
    }
    if lat < lat_r.min || lat > lat_r.max || lon < lon_r.min || lon > lon_r.max {
        return None;
    }
    let mut lat_off = (lat - lat_r.min) / (lat_r.max - lat_r.min);
    let mut lon_off = (lon - lon_r.min) / (lon_r.max - lon_r.min);
    let scale = (1u64 << step) as f64;
    lat_off *= scale;
    lon_off *= scale;
    // C's conversion to uint32_t truncates; the offsets are within 0..=2^step here.
    Some(Bits {
        bits: interleave(lat_off as u32, lon_off as u32),
        step,
    })
}

/// Encodes a point in the Redis ranges.
pub fn encode_wgs84(lon: f64, lat: f64, step: u8) -> Option<Bits> {
    encode(WGS84, lon, lat, step)
}

/// The cell of a hash within `ranges` (longitude, latitude).
pub fn decode(ranges: (Range, Range), h: Bits) -> Area {
    let (lon_r, lat_r) = ranges;
    let (ilat, ilon) = deinterleave(h.bits);
    let lat_scale = lat_r.max - lat_r.min;
    let lon_scale = lon_r.max - lon_r.min;
    let div = (1u64 << h.step) as f64;
    // `ilat + 1` is 32-bit arithmetic in Redis.
    Area {
        lat: Range {
            min: lat_r.min + (f64::from(ilat) / div) * lat_scale,
            max: lat_r.min + (f64::from(ilat.wrapping_add(1)) / div) * lat_scale,
        },
        lon: Range {
            min: lon_r.min + (f64::from(ilon) / div) * lon_scale,
            max: lon_r.min + (f64::from(ilon.wrapping_add(1)) / div) * lon_scale,
        },
    }
}

/// The centre of a cell, clamped to the Redis limits: (longitude, latitude).
pub fn area_center(a: &Area) -> (f64, f64) {
    let lon = ((a.lon.min + a.lon.max) / 2.0).clamp(LON_MIN, LON_MAX);
    let lat = ((a.lat.min + a.lat.max) / 2.0).clamp(LAT_MIN, LAT_MAX);
    (lon, lat)
}

/// Converts a sorted-set score to the 64-bit hash as C's `(uint64_t)` cast does on x86-64
/// (scores that are not geo hashes decode to some point, as in Redis).
pub fn score_bits(score: f64) -> u64 {
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    // cvttsd2si: truncation, 0x8000000000000000 for anything out of the i64 range.
    let cvt = |v: f64| -> u64 {
        if v > -TWO63 - 1025.0 && v < TWO63 {
            (v as i64) as u64
        } else {
            1u64 << 63
        }
    };
    if score < TWO63 {
        cvt(score)
    } else {
        cvt(score - TWO63) ^ (1u64 << 63)
    }
}

/// The point a member's score stands for: (longitude, latitude), Redis's `decodeGeohash`.
pub fn decode_score(score: f64) -> (f64, f64) {
    let h = Bits {
        bits: score_bits(score),
        step: STEP_MAX,
    };
    area_center(&decode(WGS84, h))
}

/// The score GEOADD stores for a point already checked to be within the limits.
pub fn score_of(lon: f64, lat: f64) -> Option<u64> {
    encode_wgs84(lon, lat, STEP_MAX).map(|b| b.align52())
}

/// The 11-character standard geohash of a point (GEOHASH): re-encoded with latitude ±90, the
/// last character always `0` (52 bits give ten characters and two bits).
pub fn standard_string(lon: f64, lat: f64) -> [u8; 11] {
    const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
    let bits = encode(STANDARD, lon, lat, STEP_MAX).map_or(0, |b| b.bits);
    let mut out = [b'0'; 11];
    for (i, c) in out.iter_mut().enumerate().take(10) {
        let idx = (bits >> (52 - (i + 1) * 5)) & 0x1f;
        *c = ALPHABET[idx as usize];
    }
    out
}

fn move_x(h: &mut Bits, d: i8) {
    if d == 0 {
        return;
    }
    let shift = 64 - u32::from(h.step) * 2;
    let mut x = h.bits & 0xaaaa_aaaa_aaaa_aaaa;
    let y = h.bits & 0x5555_5555_5555_5555;
    let zz = 0x5555_5555_5555_5555u64 >> shift;
    if d > 0 {
        x = x.wrapping_add(zz + 1);
    } else {
        x |= zz;
        x = x.wrapping_sub(zz + 1);
    }
    x &= 0xaaaa_aaaa_aaaa_aaaau64 >> shift;
    h.bits = x | y;
}

fn move_y(h: &mut Bits, d: i8) {
    if d == 0 {
        return;
    }
    let shift = 64 - u32::from(h.step) * 2;
    let x = h.bits & 0xaaaa_aaaa_aaaa_aaaa;
    let mut y = h.bits & 0x5555_5555_5555_5555;
    let zz = 0xaaaa_aaaa_aaaa_aaaau64 >> shift;
    if d > 0 {
        y = y.wrapping_add(zz + 1);
    } else {
        y |= zz;
        y = y.wrapping_sub(zz + 1);
    }
    y &= 0x5555_5555_5555_5555u64 >> shift;
    h.bits = x | y;
}

/// The eight cells around `h` (wrapping around at the edges of the hash space).
pub fn neighbors(h: Bits) -> Neighbors {
    let at = |dx: i8, dy: i8| {
        let mut n = h;
        move_x(&mut n, dx);
        move_y(&mut n, dy);
        n
    };
    Neighbors {
        east: at(1, 0),
        west: at(-1, 0),
        south: at(0, -1),
        north: at(0, 1),
        north_west: at(-1, 1),
        north_east: at(1, 1),
        south_east: at(1, -1),
        south_west: at(-1, -1),
    }
}

fn deg_rad(a: f64) -> f64 {
    a * D_R
}

fn rad_deg(a: f64) -> f64 {
    a / D_R
}

/// The hash precision a search of `range` metres around latitude `lat` starts from
/// (`geohashEstimateStepsByRadius`).
pub fn estimate_steps(range: f64, lat: f64) -> u8 {
    if range == 0.0 {
        return 26;
    }
    let mut range = range;
    let mut step: i32 = 1;
    while range < MERCATOR_MAX {
        range *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&lat) {
        step -= 1;
        if !(-80.0..=80.0).contains(&lat) {
            step -= 1;
        }
    }
    step.clamp(1, 26) as u8
}

/// The distance in metres between two points along a meridian.
pub fn lat_distance(lat1: f64, lat2: f64) -> f64 {
    EARTH_RADIUS * (deg_rad(lat2) - deg_rad(lat1)).abs()
}

/// The great-circle distance in metres between two points (haversine), Redis's
/// `geohashGetDistance`, including its shortcut for equal longitudes.
pub fn distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let lon1r = deg_rad(lon1);
    let lon2r = deg_rad(lon2);
    let v = ((lon2r - lon1r) / 2.0).sin();
    if v == 0.0 {
        return lat_distance(lat1, lat2);
    }
    let lat1r = deg_rad(lat1);
    let lat2r = deg_rad(lat2);
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS * a.sqrt().asin()
}

/// What a search covers around its centre.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape {
    /// A circle of this radius.
    Radius(f64),
    /// An axis-aligned box of this width and height.
    Box(f64, f64),
}

/// A search: centre (longitude, latitude), shape in `unit`s, and metres per unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Search {
    /// Longitude of the centre.
    pub lon: f64,
    /// Latitude of the centre.
    pub lat: f64,
    /// The shape, in units.
    pub shape: Shape,
    /// Metres per unit.
    pub to_meters: f64,
}

impl Search {
    /// The distance in metres from the centre to a point when the point is within the shape
    /// (`geohashGetDistanceIfInRadius` / `...InRectangle`).
    pub fn contains(&self, lon: f64, lat: f64) -> Option<f64> {
        match self.shape {
            Shape::Radius(r) => {
                let d = distance(self.lon, self.lat, lon, lat);
                (d <= r * self.to_meters).then_some(d)
            }
            Shape::Box(w, h) => {
                let (w, h) = (w * self.to_meters, h * self.to_meters);
                if lat_distance(lat, self.lat) > h / 2.0 {
                    return None;
                }
                if distance(lon, lat, self.lon, lat) > w / 2.0 {
                    return None;
                }
                Some(distance(self.lon, self.lat, lon, lat))
            }
        }
    }

    /// The bounding box of the shape: (min lon, min lat, max lon, max lat).
    pub fn bounds(&self) -> (f64, f64, f64, f64) {
        let (half_h, half_w) = match self.shape {
            Shape::Radius(r) => (r, r),
            Shape::Box(w, h) => (h / 2.0, w / 2.0),
        };
        let height = self.to_meters * half_h;
        let width = self.to_meters * half_w;
        let lat_delta = rad_deg(height / EARTH_RADIUS);
        let lon_delta_top = rad_deg(width / EARTH_RADIUS / deg_rad(self.lat + lat_delta).cos());
        let lon_delta_bottom = rad_deg(width / EARTH_RADIUS / deg_rad(self.lat - lat_delta).cos());
        let southern = self.lat < 0.0;
        let delta = if southern {
            lon_delta_bottom
        } else {
            lon_delta_top
        };
        (
            self.lon - delta,
            self.lat - lat_delta,
            self.lon + delta,
            self.lat + lat_delta,
        )
    }

    /// The cells to scan, in Redis's order (centre, N, S, E, W, NE, NW, SE, SW), excluded ones
    /// zero (`geohashCalculateAreasByShapeWGS84`).
    pub fn cells(&self) -> [Bits; 9] {
        let (min_lon, min_lat, max_lon, max_lat) = self.bounds();
        let radius = match self.shape {
            Shape::Radius(r) => r,
            Shape::Box(w, h) => ((w / 2.0) * (w / 2.0) + (h / 2.0) * (h / 2.0)).sqrt(),
        } * self.to_meters;
        let mut steps = estimate_steps(radius, self.lat);
        let at = |steps: u8| {
            let h = encode_wgs84(self.lon, self.lat, steps).unwrap_or_default();
            (h, neighbors(h), decode(WGS84, h))
        };
        let (mut hash, mut n, mut area) = at(steps);
        let decrease = decode(WGS84, n.north).lat.max < max_lat
            || decode(WGS84, n.south).lat.min > min_lat
            || decode(WGS84, n.east).lon.max < max_lon
            || decode(WGS84, n.west).lon.min > min_lon;
        if steps > 1 && decrease {
            steps -= 1;
            (hash, n, area) = at(steps);
        }
        if steps >= 2 {
            let zero = Bits::default();
            if area.lat.min < min_lat {
                (n.south, n.south_west, n.south_east) = (zero, zero, zero);
            }
            if area.lat.max > max_lat {
                (n.north, n.north_east, n.north_west) = (zero, zero, zero);
            }
            if area.lon.min < min_lon {
                (n.west, n.south_west, n.north_west) = (zero, zero, zero);
            }
            if area.lon.max > max_lon {
                (n.east, n.south_east, n.north_east) = (zero, zero, zero);
            }
        }
        [
            hash,
            n.north,
            n.south,
            n.east,
            n.west,
            n.north_east,
            n.north_west,
            n.south_east,
            n.south_west,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors from redis-server 7.0.15: GEOADD then ZSCORE, GEOPOS, GEOHASH, GEODIST.

    #[test]
    fn scores_match_redis() {
        assert_eq!(score_of(10.0, 20.0), Some(3403951602136190));
        assert_eq!(score_of(13.361389, 38.115556), Some(3479099956230698));
        assert_eq!(score_of(15.087269, 37.502669), Some(3479447370796909));
        assert_eq!(score_of(-180.0, -85.05112878), Some(0));
        // The upper limits carry into bits 52 and 53, as in Redis.
        assert_eq!(score_of(180.0, 85.05112878), Some(13510798882111488));
        assert_eq!(score_of(180.1, 0.0), None);
        assert_eq!(score_of(0.0, 85.06), None);
        assert_eq!(score_of(f64::NAN, 0.0), None);
    }

    #[test]
    fn decode_matches_redis() {
        let (lon, lat) = decode_score(3403951602136190.0);
        assert_eq!(format!("{lon:.17}"), "10.00000208616256714");
        assert_eq!(format!("{lat:.17}"), "20.00000058910486445");
        let (lon, lat) = decode_score(3479099956230698.0);
        assert_eq!(format!("{lon:.17}"), "13.36138933897018433");
        assert_eq!(format!("{lat:.17}"), "38.11555639549629859");
    }

    #[test]
    fn geohash_strings() {
        let (lon, lat) = decode_score(3479099956230698.0);
        assert_eq!(&standard_string(lon, lat), b"sqc8b49rny0");
        let (lon, lat) = decode_score(3479447370796909.0);
        assert_eq!(&standard_string(lon, lat), b"sqdtr74hyu0");
    }

    #[test]
    fn distance_matches_redis() {
        let (a, b) = (
            decode_score(3479099956230698.0),
            decode_score(3479447370796909.0),
        );
        assert_eq!(
            format!("{:.4}", distance(a.0, a.1, b.0, b.1)),
            "166274.1516"
        );
        // Same longitude: the meridian shortcut.
        assert_eq!(distance(1.0, 0.0, 1.0, 1.0), EARTH_RADIUS * deg_rad(1.0));
    }

    #[test]
    fn interleave_round_trips() {
        for (a, b) in [
            (0u32, 0u32),
            (1, 0),
            (0, 1),
            (0x3ff_ffff, 0x155_5555),
            (u32::MAX, 7),
        ] {
            assert_eq!(deinterleave(interleave(a, b)), (a, b));
        }
        assert_eq!(interleave(1, 0), 1);
        assert_eq!(interleave(0, 1), 2);
    }

    #[test]
    fn neighbours_move_one_cell() {
        let h = encode_wgs84(10.0, 20.0, 10).unwrap();
        let (ilat, ilon) = deinterleave(h.bits);
        let n = neighbors(h);
        assert_eq!(deinterleave(n.north.bits), (ilat + 1, ilon));
        assert_eq!(deinterleave(n.south.bits), (ilat - 1, ilon));
        assert_eq!(deinterleave(n.east.bits), (ilat, ilon + 1));
        assert_eq!(deinterleave(n.west.bits), (ilat, ilon - 1));
        assert_eq!(deinterleave(n.north_east.bits), (ilat + 1, ilon + 1));
        assert_eq!(deinterleave(n.south_west.bits), (ilat - 1, ilon - 1));
        // At the antimeridian the west neighbour wraps to the eastern edge.
        let edge = encode_wgs84(-180.0, 0.0, 4).unwrap();
        let (_, lon) = deinterleave(neighbors(edge).west.bits);
        assert_eq!(lon, 15);
    }

    #[test]
    fn steps_by_radius() {
        assert_eq!(estimate_steps(0.0, 0.0), 26);
        assert_eq!(estimate_steps(1.0, 0.0), 24);
        assert_eq!(estimate_steps(1000.0, 0.0), 14);
        assert_eq!(estimate_steps(1000.0, 70.0), 13);
        assert_eq!(estimate_steps(1000.0, -81.0), 12);
        assert_eq!(estimate_steps(1e9, 0.0), 1);
    }

    #[test]
    fn radius_and_box_edges() {
        let s = Search {
            lon: 0.0,
            lat: 0.0,
            shape: Shape::Radius(1000.0),
            to_meters: 1.0,
        };
        // A point exactly on the circle (along the meridian) is inside.
        let edge = rad_deg(1000.0 / EARTH_RADIUS);
        assert_eq!(s.contains(0.0, edge), Some(1000.0));
        assert_eq!(s.contains(0.0, edge * 1.000001), None);
        let b = Search {
            shape: Shape::Box(2000.0, 2000.0),
            ..s
        };
        assert!(b.contains(0.0, edge).is_some());
        assert!(b.contains(0.0, edge * 1.000001).is_none());
        // The corner is in the box but not in the circle.
        let corner = edge * 0.99;
        assert!(b.contains(corner, corner).is_some());
        assert!(s.contains(corner, corner).is_none());
    }

    #[test]
    fn cells_cover_the_centre() {
        let s = Search {
            lon: 13.361389,
            lat: 38.115556,
            shape: Shape::Radius(200.0),
            to_meters: 1000.0,
        };
        let cells = s.cells();
        let score = score_of(15.087269, 37.502669).unwrap() as f64;
        assert!(cells.iter().any(|c| {
            let (min, max) = c.score_range();
            !c.is_zero() && min <= score && score < max
        }));
    }

    #[test]
    fn limits_and_odd_scores_decode_as_redis() {
        let human = |v: f64| {
            let s = format!("{v:.17}");
            let s = s.trim_end_matches('0');
            s.trim_end_matches('.').to_string()
        };
        let pos = |s: f64| {
            let (lon, lat) = decode_score(s);
            (human(lon), human(lat))
        };
        let ne = ("180".to_string(), "85.0511287799999991".to_string());
        let sw = (
            "-179.99999731779098511".to_string(),
            "-85.05112751263942528".to_string(),
        );
        let top = ("-179.99999731779098511".to_string(), ne.1.clone());
        assert_eq!(pos(13510798882111488.0), ne);
        assert_eq!(pos(0.0), sw);
        assert_eq!(pos(-1.0), ne);
        assert_eq!(pos(1e300), sw);
        assert_eq!(pos(9.3e18), ne);
        assert_eq!(pos(4503599627370496.0), top);
        let (lon, lat) = decode_score(13510798882111488.0);
        assert_eq!(&standard_string(lon, lat), b"bp05b5048p0");
        let (lon, lat) = decode_score(0.0);
        assert_eq!(&standard_string(lon, lat), b"00bh0hbj200");
    }

    #[test]
    fn odd_scores_decode_without_panic() {
        for s in [-1.0, -1e300, 1e300, 9.3e18, f64::MAX, 4503599627370496.0] {
            let (lon, lat) = decode_score(s);
            assert!((LON_MIN..=LON_MAX).contains(&lon));
            assert!((LAT_MIN..=LAT_MAX).contains(&lat));
        }
    }
}
