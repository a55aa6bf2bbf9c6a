//! `window` and `duration` from the sentences plans state them in: "a rollback is possible
//! within 72 hours of the deployment", "the rollback takes about 45 minutes", and the same
//! in German: "innerhalb von 72 Stunden nach dem Go-Live", "dauert etwa 45 Minuten".
//!
//! A number of hours alone says nothing: "within 15 minutes of the decision" is how soon the
//! team starts, not the window. So a window needs the word (window, Zeitfenster) or a time
//! counted from the deployment; a duration needs a verb or noun of lasting (takes, dauert,
//! Dauer) right before it.

use std::ops::Range;

use crate::duration::Duration;

/// A time a plan states, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stated {
    pub value: Duration,
    /// How the front matter writes it, in the unit the text used where it can: `72h`.
    pub written: String,
    /// 1-based line in the source file.
    pub line: usize,
    /// The words it was read from, as the source writes them.
    pub phrase: String,
}

/// The window and the duration that blocks of text (a paragraph: lines joined with `\n`,
/// and the number of its first line) state, first statement of each. A sentence may run
/// over several lines.
#[cfg(test)]
pub fn find<'a>(
    blocks: impl Iterator<Item = (usize, &'a str)>,
) -> (Option<Stated>, Option<Stated>) {
    find_among(blocks.map(|(line, block)| (line, block, false)))
}

/// As `find`, where a block marked as a trigger (the plan's Criteria: "if conversion drops
/// within 30 minutes of the deploy") states a window only in so many words ("window",
/// "possible"): a time counted from the deployment there is when to roll back.
pub fn find_among<'a>(
    blocks: impl Iterator<Item = (usize, &'a str, bool)>,
) -> (Option<Stated>, Option<Stated>) {
    let mut window = None;
    let mut duration = None;
    for (first_line, block, trigger) in blocks {
        if window.is_some() && duration.is_some() {
            break;
        }
        for sentence in sentences(block) {
            for found in read_sentence(block, &sentence) {
                if trigger && found.what == What::Window && !found.explicit {
                    continue;
                }
                let slot = match found.what {
                    What::Window => &mut window,
                    What::Duration => &mut duration,
                };
                if slot.is_none() {
                    let phrase = &block[found.span.clone()];
                    *slot = Some(Stated {
                        value: found.value,
                        written: found.written,
                        line: first_line + block[..found.span.start].matches('\n').count(),
                        phrase: phrase.split_whitespace().collect::<Vec<_>>().join(" "),
                    });
                }
            }
        }
    }
    (window, duration)
}

/// A value given directly, as front matter writes it: `72h`, `"72 hours"`, `3 Tage`.
pub fn parse_value(text: &str) -> Option<(Duration, String)> {
    let text = text.trim().trim_matches(['"', '\'']).trim();
    if let Some(duration) = Duration::parse(text) {
        return Some((duration, text.to_string()));
    }
    let words = words(text);
    let quantity = quantity(&words, 0)?;
    (quantity.end == words.len()).then_some((quantity.low, quantity.written_low))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum What {
    Window,
    Duration,
}

struct Found {
    what: What,
    /// A window said in so many words ("window", "possible"), not only counted from the
    /// deployment.
    explicit: bool,
    value: Duration,
    written: String,
    span: Range<usize>,
}

/// A word of a line: lower case with umlauts folded, and where it stands.
#[derive(Debug, Clone)]
struct Word {
    text: String,
    span: Range<usize>,
}

/// Splits a line into sentences (byte ranges) at `.`, `;`, `!` and `?` that end a sentence,
/// and at the middle dots and bullets that separate facts on one line (`Rollback window: 72h
/// · Expected rollback duration: 45m`, as `backout export` writes them).
fn sentences(line: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = line.as_bytes();
    for (i, c) in line.char_indices() {
        let ends = match c {
            ';' | '!' | '?' | '·' | '•' => true,
            // A new list item, heading or table row starts a new sentence.
            '\n' => {
                let next = line[i + 1..].trim_start();
                let numbered = next.trim_start_matches(|c: char| c.is_ascii_digit());
                next.starts_with(['-', '*', '+', '#', '|', '>'])
                    || (numbered.len() < next.len() && numbered.starts_with(['.', ')']))
            }
            // `1.5 hours` and `z. B.` do not end a sentence: a dot ends one before a space
            // and a capital letter, or at the end of the line.
            '.' => {
                let next = line[i + 1..].trim_start();
                let spaced = bytes.get(i + 1).is_some_and(|b| b.is_ascii_whitespace());
                next.is_empty() || (spaced && next.starts_with(|c: char| c.is_uppercase()))
            }
            _ => false,
        };
        if ends {
            let end = i + c.len_utf8();
            out.push(start..end);
            start = end;
        }
    }
    if start < line.len() {
        out.push(start..line.len());
    }
    out
}

/// The words of `text`: letters, numbers (`1.5`, `1,5`), dashes, `~`; `45min` is two words.
fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        let mut j = i + 1;
        if c.is_ascii_digit() {
            while j < chars.len() {
                let (_, d) = chars[j];
                let decimal = matches!(d, '.' | ',')
                    && chars.get(j + 1).is_some_and(|(_, n)| n.is_ascii_digit());
                if d.is_ascii_digit() || decimal {
                    j += 1;
                } else {
                    break;
                }
            }
        } else if c.is_alphabetic() {
            while j < chars.len() && chars[j].1.is_alphabetic() {
                j += 1;
            }
        } else if !matches!(c, '-' | '–' | '—' | '~' | '≈') {
            i += 1;
            continue;
        }
        let end = chars.get(j).map_or(text.len(), |(at, _)| *at);
        out.push(Word {
            text: fold(&text[start..end]),
            span: start..end,
        });
        i = j;
    }
    out
}

fn fold(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        match c {
            'ä' | 'Ä' => out.push_str("ae"),
            'ö' | 'Ö' => out.push_str("oe"),
            'ü' | 'Ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            '–' | '—' => out.push('-'),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Seconds per unit word, with the letter the front matter writes.
fn unit(word: &str) -> Option<(u64, char)> {
    Some(match word {
        "s" | "sec" | "secs" | "second" | "seconds" | "sekunde" | "sekunden" => (1, 's'),
        "m" | "min" | "mins" | "minute" | "minutes" | "minuten" => (60, 'm'),
        "h" | "hr" | "hrs" | "hour" | "hours" | "std" | "stunde" | "stunden" => (3_600, 'h'),
        "d" | "day" | "days" | "tag" | "tage" | "tagen" | "tages" => (86_400, 'd'),
        "week" | "weeks" | "woche" | "wochen" => (7 * 86_400, 'w'),
        _ => return None,
    })
}

/// A number written as digits or as a word.
fn number(word: &str) -> Option<f64> {
    if word.starts_with(|c: char| c.is_ascii_digit()) {
        return word.replace(',', ".").parse().ok();
    }
    let value = match word {
        "a" | "an" | "one" | "ein" | "eine" | "einer" | "einem" | "einen" => 1.0,
        "two" | "zwei" => 2.0,
        "three" | "drei" => 3.0,
        "four" | "vier" => 4.0,
        "five" | "fuenf" => 5.0,
        "six" | "sechs" => 6.0,
        "seven" | "sieben" => 7.0,
        "eight" | "acht" => 8.0,
        "ten" | "zehn" => 10.0,
        "twelve" | "zwoelf" => 12.0,
        "fifteen" | "fuenfzehn" => 15.0,
        "twenty" | "zwanzig" => 20.0,
        "thirty" | "dreissig" => 30.0,
        "fortyfive" => 45.0,
        "anderthalb" | "eineinhalb" => 1.5,
        _ => return None,
    };
    Some(value)
}

/// An amount of time starting at word `i`: `45 minutes`, `30-45 min`, `1.5 hours`,
/// `half an hour`, `1 hour 30 minutes`. `low`/`high` differ for ranges.
struct Quantity {
    low: Duration,
    high: Duration,
    written_low: String,
    written_high: String,
    /// The word after the amount.
    end: usize,
}

fn quantity(words: &[Word], i: usize) -> Option<Quantity> {
    let word = |k: usize| words.get(k).map(|w| w.text.as_str());
    // "half an hour", "eine halbe Stunde"
    let half = match (word(i), word(i + 1), word(i + 2)) {
        (Some("half"), Some("an"), Some("hour")) => Some(i + 3),
        (Some("halbe"), Some("stunde"), _) => Some(i + 2),
        (Some("eine"), Some("halbe"), Some("stunde")) => Some(i + 3),
        _ => None,
    };
    if let Some(end) = half {
        let low = Duration::from_seconds(1_800);
        return Some(Quantity {
            low,
            high: low,
            written_low: "30m".into(),
            written_high: "30m".into(),
            end,
        });
    }
    let first = number(word(i)?)?;
    let mut k = i + 1;
    let mut second = None;
    if let (Some("-" | "to" | "bis" | "or" | "oder"), Some(next)) = (word(k), word(k + 1))
        && let Some(value) = number(next).filter(|_| next.starts_with(|c: char| c.is_ascii_digit()))
    {
        second = Some(value);
        k += 2;
    }
    let (seconds, letter) = unit(word(k)?)?;
    k += 1;
    // "1 hour 30 minutes", "1 Stunde und 30 Minuten", "1h30m"
    let mut extra = 0.0;
    let and = usize::from(matches!(word(k), Some("and" | "und")));
    if let (Some(n), Some(u)) = (word(k + and), word(k + and + 1))
        && let (Some(n), Some((smaller, _))) = (number(n), unit(u))
        && smaller < seconds
        && n.fract() == 0.0
    {
        extra = n * smaller as f64;
        k += and + 2;
    }
    let make = |value: f64| -> Option<(Duration, String)> {
        if !(value.is_finite() && value > 0.0 && value < 1e7) {
            return None;
        }
        let total = value * seconds as f64 + extra;
        let duration = Duration::from_seconds(((total / 60.0).round() * 60.0) as u64);
        let written = if extra == 0.0 && value.fract() == 0.0 && letter != 'w' {
            format!("{}{letter}", value as u64)
        } else {
            duration.to_string()
        };
        Some((duration, written))
    };
    let (low, written_low) = make(first)?;
    let (high, written_high) = match second {
        Some(value) => make(value)?,
        None => (low, written_low.clone()),
    };
    Some(Quantity {
        low,
        high,
        written_low,
        written_high,
        end: k,
    })
}

const WINDOW_WORDS: &[&str] = &[
    "window",
    "zeitfenster",
    "fenster",
    "rollbackfenster",
    "backoutfenster",
    "rueckfallfenster",
];

/// Words that may stand between "within"/"takes" and the amount.
const FILLERS: &[&str] = &[
    "about",
    "approximately",
    "approx",
    "around",
    "roughly",
    "some",
    "at",
    "most",
    "under",
    "less",
    "than",
    "no",
    "more",
    "maximum",
    "max",
    "of",
    "the",
    "is",
    "usually",
    "typically",
    "only",
    "~",
    "≈",
    "ca",
    "circa",
    "etwa",
    "ungefaehr",
    "rund",
    "knapp",
    "hoechstens",
    "maximal",
    "von",
    "ist",
    "in",
    "der",
    "regel",
    "meist",
    "nur",
    "normalerweise",
    "typisch",
    "ersten",
];

fn read_sentence(line: &str, sentence: &Range<usize>) -> Vec<Found> {
    let words = words(&line[sentence.clone()]);
    // "window" anywhere before an amount makes it the window: find the first one once.
    let window_word = words
        .iter()
        .position(|w| WINDOW_WORDS.contains(&w.text.as_str()));
    let shift = |span: Range<usize>| span.start + sentence.start..span.end + sentence.start;
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let Some(amount) = quantity(&words, i) else {
            i += 1;
            continue;
        };
        let before = &words[..i];
        let end_span = words[amount.end - 1].span.end;
        let named = window_word.filter(|at| *at < i);
        let cue = named
            .map(|at| (at, true))
            .or_else(|| window_cue(before, &words[amount.end..]));
        if let Some((start, explicit)) = cue {
            let anchor_end = deployment_anchor(&words[amount.end..])
                .map_or(end_span, |k| words[amount.end + k].span.end);
            out.push(Found {
                what: What::Window,
                explicit,
                // The earliest moment a rollback could be needed is what counts: of a range,
                // the lower bound.
                value: amount.low,
                written: amount.written_low,
                span: shift(words[start].span.start..anchor_end),
            });
        } else if let Some(start) = duration_cue(before) {
            out.push(Found {
                what: What::Duration,
                explicit: true,
                // Plan for the slower end of a range.
                value: amount.high,
                written: amount.written_high,
                span: shift(words[start].span.start..end_span),
            });
        }
        i = amount.end;
    }
    out
}

/// Where the words that make the amount a rollback window start, if they do: "within"/"up
/// to"/"innerhalb"/"bis zu" right before it and a deployment right after it ("within 72
/// hours of the deployment"), or "possible" in the sentence (then the second is true).
fn window_cue(before: &[Word], after: &[Word]) -> Option<(usize, bool)> {
    let mut k = before.len();
    let floor = k.saturating_sub(4);
    while k > floor && FILLERS.contains(&before[k - 1].text.as_str()) {
        k -= 1;
    }
    let cue = match before.get(k.checked_sub(1)?)?.text.as_str() {
        "within" | "innerhalb" | "during" | "waehrend" | "first" => k - 1,
        "to" | "zu" if k >= 2 && matches!(before[k - 2].text.as_str(), "up" | "bis") => k - 2,
        _ => return None,
    };
    let possible = before
        .iter()
        .rev()
        .take(12)
        .chain(after.iter().take(12))
        .any(|w| {
            matches!(
                w.text.as_str(),
                "possible" | "moeglich" | "allowed" | "erlaubt" | "zulaessig"
            )
        });
    (deployment_anchor(after).is_some() || possible).then_some((cue, possible))
}

/// The index of the deployment word in "after/of/nach (the) deployment", if the words
/// after an amount count it from the deployment.
fn deployment_anchor(after: &[Word]) -> Option<usize> {
    let link = after.first()?.text.as_str();
    if !matches!(
        link,
        "after" | "of" | "following" | "since" | "from" | "nach" | "ab" | "seit"
    ) {
        return None;
    }
    after.iter().take(5).position(|w| {
        let t = w.text.as_str();
        t.starts_with("deploy")
            || t.starts_with("release")
            || t.starts_with("rollout")
            || t.starts_with("launch")
            || t.starts_with("einfuehr")
            || t.starts_with("auslieferung")
            || t.starts_with("bereitstellung")
            || t.starts_with("inbetriebnahme")
            || t.starts_with("produktivsetzung")
            || t.starts_with("livegang")
            || matches!(
                t,
                "live" | "golive" | "cutover" | "change" | "aenderung" | "installation"
            )
    })
}

/// Where the verb or noun of lasting before an amount starts, if there is one.
fn duration_cue(before: &[Word]) -> Option<usize> {
    let mut k = before.len();
    let mut skipped = 0;
    while k > 0 && skipped < 4 {
        let word = before[k - 1].text.as_str();
        let cue = matches!(
            word,
            "take"
                | "takes"
                | "taking"
                | "lasts"
                | "lasting"
                | "duration"
                | "dauert"
                | "dauer"
                | "dauern"
                | "benoetigt"
                | "braucht"
                | "brauchen"
                | "needs"
                | "requires"
                | "erfordert"
                | "zeitbedarf"
                | "completes"
                | "complete"
                | "completed"
                | "done"
                | "abgeschlossen"
                | "fertig"
        ) || word.ends_with("dauer");
        if cue {
            return Some(k - 1);
        }
        if !FILLERS.contains(&word)
            && !matches!(word, "within" | "innerhalb" | "up" | "to" | "bis" | "zu")
        {
            return None;
        }
        k -= 1;
        skipped += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Option<String>, Option<String>) {
        let (window, duration) = find(text.lines().enumerate().map(|(i, l)| (i + 1, l)));
        (window.map(|w| w.written), duration.map(|d| d.written))
    }

    #[test]
    fn reads_english_phrases() {
        let cases = [
            (
                "A rollback is possible within 72 hours of the deployment.",
                Some("72h"),
                None,
            ),
            ("The rollback takes about 45 minutes.", None, Some("45m")),
            (
                "Rollback window: 3 days. Expected duration: 1.5 hours.",
                Some("3d"),
                Some("1h30m"),
            ),
            (
                "We can roll back for up to 48 hours after release; it takes roughly 20-30 min.",
                Some("48h"),
                Some("30m"),
            ),
            ("Reverting takes half an hour.", None, Some("30m")),
            (
                "The whole procedure takes 1 hour 15 minutes end to end.",
                None,
                Some("1h15m"),
            ),
            ("Completes in ~25min.", None, Some("25m")),
        ];
        for (text, window, duration) in cases {
            assert_eq!(
                read(text),
                (window.map(String::from), duration.map(String::from)),
                "{text}"
            );
        }
    }

    #[test]
    fn reads_german_phrases() {
        let cases = [
            (
                "Ein Rollback ist innerhalb von 72 Stunden nach dem Go-Live möglich.",
                Some("72h"),
                None,
            ),
            ("Der Rollback dauert etwa 45 Minuten.", None, Some("45m")),
            (
                "Zeitfenster: 2 Tage. Dauer: ca. 1,5 Stunden.",
                Some("2d"),
                Some("1h30m"),
            ),
            (
                "Bis zu 3 Tage nach der Einführung kann zurückgerollt werden.",
                Some("3d"),
                None,
            ),
            (
                "Die Rückabwicklung benötigt eine halbe Stunde.",
                None,
                Some("30m"),
            ),
        ];
        for (text, window, duration) in cases {
            assert_eq!(
                read(text),
                (window.map(String::from), duration.map(String::from)),
                "{text}"
            );
        }
    }

    #[test]
    fn a_number_alone_is_neither() {
        for text in [
            "The team starts within 15 minutes of the decision.",
            "Error rate above 2.5% for 10 minutes.",
            "Rollback of v1.4 took place in 2023.",
            "Innerhalb von 15 Minuten nach der Entscheidung beginnt das Team.",
            "Wait 5 minutes, then check the dashboard.",
        ] {
            assert_eq!(read(text), (None, None), "{text}");
        }
    }

    #[test]
    fn sentences_run_over_lines_but_not_over_list_items() {
        let block = "Ein Rückfall ist innerhalb von 24 Stunden nach dem\nGo-Live möglich.";
        let (window, _) = find([(7, block)].into_iter());
        let window = window.unwrap_or_else(|| panic!("no window"));
        assert_eq!((window.written.as_str(), window.line), ("24h", 7));
        assert_eq!(window.phrase, "innerhalb von 24 Stunden nach dem Go-Live");
        let list = "- Rollback window: 48h\n- Duration: 30 min";
        let (window, duration) = find([(1, list)].into_iter());
        assert_eq!(window.map(|w| w.written).as_deref(), Some("48h"));
        assert_eq!(
            duration.map(|d| (d.written, d.line)),
            Some(("30m".into(), 2))
        );
    }

    #[test]
    fn front_matter_values() {
        let value = |t: &str| parse_value(t).map(|(_, w)| w);
        assert_eq!(value("72h").as_deref(), Some("72h"));
        assert_eq!(value("\"72 hours\"").as_deref(), Some("72h"));
        assert_eq!(value("3 Tage").as_deref(), Some("3d"));
        assert_eq!(value("soon"), None);
        assert_eq!(value("72 hours or so"), None);
    }

    #[test]
    fn any_line_is_read_without_panicking() {
        for text in [
            "",
            "-",
            "1-",
            "1 - ",
            "1,",
            "½ h",
            "99999999999999999999 days takes",
            "takes 1e308 hours",
            "takes 0 minutes",
        ] {
            let _ = read(text);
        }
        assert_eq!(read("takes 0 minutes"), (None, None));
    }
}
