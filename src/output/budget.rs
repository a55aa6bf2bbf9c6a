//! A pull-request comment that fits: the review's Markdown as blocks, and the rule for what
//! to leave out when they are too long together. GitHub rejects comments over 65,536
//! characters; `review --max-bytes` (default 60,000) keeps the summary and the findings and
//! leaves out diffs first, then findings, saying what it left out.

/// What a block of the comment holds, which decides what goes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The marker, the verdict, the table of plans, the plan headings: always kept.
    Summary,
    /// A plan's findings: left out only when the diffs alone do not make room.
    Findings,
    /// A plan's section diff: the first thing left out.
    Diff,
}

/// One block of the comment.
#[derive(Debug, Clone)]
pub struct Block {
    pub part: Part,
    pub text: String,
    /// How many findings a `Findings` block holds, when its list holds more than them (a
    /// forked plan's "what must still change" repeats them); else its `- ` lines count.
    pub findings: Option<usize>,
    /// What stands in for the block when it is left out, when it is not one plan's findings
    /// (the drill records): then the closing note names it rather than counting a plan.
    pub left_out: Option<(String, &'static str)>,
}

impl Block {
    pub fn new(part: Part, text: impl Into<String>) -> Block {
        Block {
            part,
            text: text.into(),
            findings: None,
            left_out: None,
        }
    }

    /// A block that is not one plan's findings: `note` stands in for it when it is left out,
    /// and the closing note names it as `what`.
    pub fn other(text: impl Into<String>, note: String, what: &'static str) -> Block {
        Block {
            left_out: Some((note, what)),
            ..Block::new(Part::Findings, text)
        }
    }

    /// A block of `count` findings, with whatever else explains them.
    pub fn findings(text: impl Into<String>, count: usize) -> Block {
        Block {
            findings: Some(count),
            ..Block::new(Part::Findings, text)
        }
    }
}

/// The blocks joined, at most `max_bytes` long: diffs are left out (largest first), then
/// findings (last plan first, each replaced by their count), and a closing note says what
/// was left out and which commands show it. Should even the summary not fit, it is cut at a
/// line, with a note.
pub fn fit(mut blocks: Vec<Block>, max_bytes: usize) -> String {
    let total = |blocks: &[Block]| blocks.iter().map(|b| b.text.len()).sum::<usize>();
    if total(&blocks) <= max_bytes {
        return blocks.into_iter().map(|b| b.text).collect();
    }
    // Room for the closing note, which names counts, not plans.
    let budget = max_bytes.saturating_sub(400);
    let mut diffs_left_out = 0;
    let mut findings_left_out = 0;
    let mut others_left_out: Vec<&'static str> = Vec::new();

    let mut diffs: Vec<usize> = (0..blocks.len())
        .filter(|&i| blocks[i].part == Part::Diff)
        .collect();
    diffs.sort_by_key(|&i| std::cmp::Reverse(blocks[i].text.len()));
    for i in diffs {
        if total(&blocks) <= budget {
            break;
        }
        // The closing note says which command shows a left-out diff.
        blocks[i].text.clear();
        diffs_left_out += 1;
    }
    let findings: Vec<usize> = (0..blocks.len())
        .rev()
        .filter(|&i| blocks[i].part == Part::Findings)
        .collect();
    for i in findings {
        if total(&blocks) <= budget {
            break;
        }
        if let Some((note, what)) = blocks[i].left_out.take() {
            if note.len() < blocks[i].text.len() {
                blocks[i].text = note;
                others_left_out.push(what);
            }
            continue;
        }
        let count = blocks[i].findings.unwrap_or_else(|| {
            blocks[i]
                .text
                .lines()
                .filter(|l| l.starts_with("- "))
                .count()
        });
        let note = format!("_{count} findings left out._\n");
        if note.len() < blocks[i].text.len() {
            blocks[i].text = note;
            findings_left_out += 1;
        }
    }

    let mut text: String = blocks.into_iter().map(|b| b.text).collect();
    if text.len() > budget {
        // The summary alone is too long (thousands of plans): cut it at a line.
        let mut cut = budget.min(text.len());
        while cut > 0 && !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let cut = text[..cut].rfind('\n').map_or(0, |i| i + 1);
        text.truncate(cut);
        text.push_str("\n_The rest of this review is left out to keep this comment short._\n");
    }
    let mut left_out = Vec::new();
    if diffs_left_out > 0 {
        left_out.push(format!("the section diffs of {}", plans(diffs_left_out)));
    }
    if findings_left_out > 0 {
        left_out.push(format!("the findings of {}", plans(findings_left_out)));
    }
    left_out.extend(others_left_out.into_iter().map(String::from));
    if !left_out.is_empty() {
        text.push_str(&format!(
            "\n---\n_Left out to stay under {max_bytes} bytes: {}. `backout diff TEAM/RELEASE` shows a plan's section diff, `backout check TEAM/RELEASE` its findings, and `backout review` everything._\n",
            left_out.join(" and ")
        ));
    }
    text
}

fn plans(n: usize) -> String {
    if n == 1 {
        "1 plan".into()
    } else {
        format!("{n} plans")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(plans: usize, diff_size: usize) -> Vec<Block> {
        review_with(plans, 1, diff_size)
    }

    fn review_with(plans: usize, findings: usize, diff_size: usize) -> Vec<Block> {
        let mut blocks = vec![Block::new(
            Part::Summary,
            "<!-- backout:review -->\n## backout review\n",
        )];
        for i in 0..plans {
            let plan = format!("payments/v1.{i}");
            blocks.push(Block::new(Part::Summary, format!("\n### `{plan}`\n\n")));
            blocks.push(Block::new(
                Part::Findings,
                "- ❌ **placeholder** `plan.md:3`: TBD left\n".repeat(findings),
            ));
            blocks.push(Block::new(
                Part::Diff,
                format!("<details>{}", "+".repeat(diff_size)),
            ));
        }
        blocks
    }

    #[test]
    fn a_review_that_fits_is_unchanged() {
        let blocks = review(3, 100);
        let whole: String = blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(fit(blocks, 60_000), whole);
    }

    #[test]
    fn diffs_go_first_and_the_note_says_so() {
        let text = fit(review(100, 2_000), 60_000);
        assert!(text.len() <= 60_000, "{}", text.len());
        assert!(text.starts_with("<!-- backout:review -->\n"));
        assert_eq!(
            text.matches("TBD left").count(),
            100,
            "every finding is kept"
        );
        assert!(
            text.matches("<details>").count() < 100,
            "some diffs are left out"
        );
        assert!(text.contains("_Left out to stay under 60000 bytes: the section diffs of "));
        assert!(!text.contains("the findings of"));
    }

    #[test]
    fn findings_go_when_diffs_are_not_enough() {
        let text = fit(review_with(600, 5, 400), 60_000);
        assert!(text.len() <= 60_000, "{}", text.len());
        assert!(text.contains("the section diffs of 600 plans and the findings of "));
        assert!(
            text.contains("### `payments/v1.599`\n\n_5 findings left out._\n"),
            "{text}"
        );
        assert!(
            text.contains("TBD left"),
            "the first plans keep their findings"
        );
    }

    #[test]
    fn even_a_huge_summary_stays_under_the_budget() {
        let mut blocks = vec![Block::new(Part::Summary, "<!-- backout:review -->\n")];
        blocks.push(Block::new(Part::Summary, "| plan | x |\n".repeat(20_000)));
        let text = fit(blocks, 5_000);
        assert!(text.len() <= 5_000, "{}", text.len());
        assert!(text.starts_with("<!-- backout:review -->\n"));
        assert!(text.contains("The rest of this review is left out"));
    }
}
