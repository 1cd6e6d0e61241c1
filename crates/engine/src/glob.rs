//! Redis's glob matching for KEYS, SCAN MATCH and CONFIG GET.
//!
//! Same rules as Redis's `stringmatchlen`: `*`, `?`, `[abc]`, `[^a]`, `[a-z]` (ends swapped when
//! reversed), `\` escapes, an unterminated `[` matches up to the pattern's end. Same defences
//! against pathological patterns: recursion depth is capped at 1000, and once the rest of a
//! pattern after a `*` failed at every position, earlier `*`s give up instead of retrying longer
//! matches, which keeps `a*a*a*a*...b` linear-ish instead of exponential.

const MAX_NESTING: usize = 1000;

/// True when `string` matches `pattern`.
pub fn matches(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    let mut skip_longer = false;
    match_impl(pattern, string, nocase, &mut skip_longer, 0)
}

fn lower(c: u8, nocase: bool) -> u8 {
    if nocase {
        c.to_ascii_lowercase()
    } else {
        c
    }
}

fn match_impl(p: &[u8], s: &[u8], nocase: bool, skip_longer: &mut bool, nesting: usize) -> bool {
    if nesting > MAX_NESTING {
        return false;
    }
    // Reading past the end yields 0, as C's NUL terminator does in Redis's version.
    let at = |v: &[u8], i: usize| v.get(i).copied().unwrap_or(0);
    let (mut pi, mut si) = (0usize, 0usize);
    while pi < p.len() && si < s.len() {
        match p[pi] {
            b'*' => {
                while pi + 1 < p.len() && p[pi + 1] == b'*' {
                    pi += 1;
                }
                if pi + 1 == p.len() {
                    return true;
                }
                while si < s.len() {
                    if match_impl(&p[pi + 1..], &s[si..], nocase, skip_longer, nesting + 1) {
                        return true;
                    }
                    if *skip_longer {
                        return false;
                    }
                    si += 1;
                }
                *skip_longer = true;
                return false;
            }
            b'?' => si += 1,
            b'[' => {
                pi += 1;
                let negate = at(p, pi) == b'^';
                if negate {
                    pi += 1;
                }
                let c = s[si];
                let mut matched = false;
                loop {
                    let remaining = p.len().saturating_sub(pi);
                    if at(p, pi) == b'\\' && remaining >= 2 {
                        pi += 1;
                        if p[pi] == c {
                            matched = true;
                        }
                    } else if at(p, pi) == b']' {
                        break;
                    } else if remaining == 0 {
                        // Unterminated class: step back so the common advance lands at the end.
                        pi -= 1;
                        break;
                    } else if remaining >= 3 && p[pi + 1] == b'-' {
                        // Redis compares C `char`s, which are signed on x86-64.
                        let (mut lo, mut hi) = (p[pi] as i8, p[pi + 2] as i8);
                        if lo > hi {
                            std::mem::swap(&mut lo, &mut hi);
                        }
                        let (lo, hi, ch) = if nocase {
                            (
                                (lo as u8).to_ascii_lowercase() as i8,
                                (hi as u8).to_ascii_lowercase() as i8,
                                c.to_ascii_lowercase() as i8,
                            )
                        } else {
                            (lo, hi, c as i8)
                        };
                        pi += 2;
                        if ch >= lo && ch <= hi {
                            matched = true;
                        }
                    } else if lower(p[pi], nocase) == lower(c, nocase) {
                        matched = true;
                    }
                    pi += 1;
                }
                if negate {
                    matched = !matched;
                }
                if !matched {
                    return false;
                }
                si += 1;
            }
            b'\\' => {
                if pi + 1 < p.len() {
                    pi += 1;
                }
                if lower(p[pi], nocase) != lower(s[si], nocase) {
                    return false;
                }
                si += 1;
            }
            other => {
                if lower(other, nocase) != lower(s[si], nocase) {
                    return false;
                }
                si += 1;
            }
        }
        pi += 1;
        if si == s.len() {
            while pi < p.len() && p[pi] == b'*' {
                pi += 1;
            }
            break;
        }
    }
    pi >= p.len() && si == s.len()
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn redis_glob_rules() {
        let yes: &[(&str, &str)] = &[
            ("*", "anything"),
            ("h?llo", "hello"),
            ("h*llo", "heeeello"),
            ("h[ae]llo", "hallo"),
            ("h[^e]llo", "hallo"),
            ("h[a-b]llo", "hbllo"),
            ("h[b-a]llo", "hallo"),
            ("\\*", "*"),
            ("a*", "a"),
            ("a**", "a"),
            ("[\\]]", "]"),
        ];
        for (p, s) in yes {
            assert!(
                matches(p.as_bytes(), s.as_bytes(), false),
                "{p} should match {s}"
            );
        }
        let no: &[(&str, &str)] = &[
            ("h[^e]llo", "hello"),
            ("h?llo", "hllo"),
            ("a", ""),
            // Redis compatibility: the empty string matches no pattern but an empty one.
            ("*", ""),
            ("**", ""),
            ("", "a"),
            ("a[", "ab"),
            // An unterminated class matches nothing (checked against redis-server).
            ("a[", "a["),
            ("\\*", "a"),
        ];
        for (p, s) in no {
            assert!(
                !matches(p.as_bytes(), s.as_bytes(), false),
                "{p} should not match {s}"
            );
        }
        assert!(matches(b"HELLO", b"hello", true));
    }

    #[test]
    fn pathological_patterns_finish_quickly() {
        let pattern = "a*".repeat(40) + "b";
        let subject = "a".repeat(10_000);
        assert!(!matches(pattern.as_bytes(), subject.as_bytes(), false));
        let deep = "*a".repeat(5000);
        assert!(!matches(deep.as_bytes(), subject.as_bytes(), false));
    }
}
