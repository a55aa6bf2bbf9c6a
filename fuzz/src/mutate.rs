//! A small, deterministic mutator for the stable smoke runner: byte flips, insertions of
//! tokens that matter to backout's parsers (front-matter fences, section headings, TOML
//! tables, backticks, control and bidirectional characters, glob braces), deletions,
//! duplications and splices of seeds. Not coverage-guided: `cargo fuzz` is, on nightly.

/// Tokens worth inserting: the grammar of plans, manifests and backout.toml, and the
/// characters the escapes must handle.
pub const DICTIONARY: &[&str] = &[
    "+++\n",
    "\n+++\n",
    "team = \"payments\"\n",
    "release = \"v1.5\"\n",
    "status = \"approved\"\n",
    "window = \"72h\"\n",
    "duration = \"45m\"\n",
    "[baseline]\nfrom = \"payments/v1.4\"\n",
    "[tested]\non = 2026-11-20\nresult = \"pass\"\n",
    "[[items]]\nid = \"payments-api\"\nkind = \"service\"\n",
    "reversible = false\n",
    "version = \"2.4.0\"\nprevious = \"2.3.1\"\n",
    "[tags]\nglob = \"",
    "{a,",
    "}",
    "[!",
    "plans_dir = \"",
    "## Procedure\n",
    "## Contingencies\n",
    "## Kriterien\n",
    "### Schritt 1\n",
    "1. ",
    "   - ",
    "- [ ] ",
    "| a | b |\n|---|---|\n",
    "`",
    "``",
    "```sh\n",
    "~~~\n",
    "[link](javascript:alert(1))",
    "<script>",
    "<!-- ",
    " -->",
    "![i](https://example.com/x.png)",
    "@octocat ",
    "#123 ",
    "payments-api ",
    "0042_add_ledger_index ",
    "v1.4 ",
    "2.4.0 ",
    "TODO ",
    "\r\n",
    "\r",
    "\t",
    "\u{feff}",
    "\u{1b}]52;c;",
    "\u{1b}[2J",
    "\u{7}",
    "\u{85}",
    "\u{9b}",
    "\u{2028}",
    "\u{202e}",
    "\u{2066}",
    "\u{2069}",
    "\u{200f}",
    "日本語",
    "Zahlungsdienst ",
    "\"",
    "\\u0007",
    "\\",
    "\0",
];

/// xorshift64*: enough randomness for mutations, the same sequence for the same seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

/// A seed for a name: the same target always starts from the same sequence.
pub fn seed_of(name: &str, extra: u64) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    }) ^ extra
}

/// Applies one to eight mutations to `input`; `others` are seeds to splice from.
pub fn mutate(rng: &mut Rng, input: &[u8], others: &[Vec<u8>]) -> Vec<u8> {
    let mut data = input.to_vec();
    for _ in 0..1 + rng.below(8) {
        match rng.below(7) {
            0 if !data.is_empty() => {
                let at = rng.below(data.len());
                data[at] ^= 1 << rng.below(8);
            }
            1 => {
                let at = rng.below(data.len() + 1);
                data.insert(at, rng.next_u64() as u8);
            }
            2 | 3 => {
                let token = DICTIONARY[rng.below(DICTIONARY.len())].as_bytes();
                let at = rng.below(data.len() + 1);
                data.splice(at..at, token.iter().copied());
            }
            4 if !data.is_empty() => {
                let at = rng.below(data.len());
                let len = 1 + rng.below((data.len() - at).min(64));
                data.drain(at..at + len);
            }
            5 if !data.is_empty() => {
                let at = rng.below(data.len());
                let len = 1 + rng.below((data.len() - at).min(256));
                let piece = data[at..at + len].to_vec();
                let to = rng.below(data.len() + 1);
                data.splice(to..to, piece);
            }
            _ if !others.is_empty() => {
                let other = &others[rng.below(others.len())];
                let from = rng.below(other.len() + 1);
                let len = rng.below(other.len() - from + 1);
                let at = rng.below(data.len() + 1);
                data.splice(at..at, other[from..from + len].iter().copied());
            }
            _ => {}
        }
    }
    // Keep inputs the size of real plans, so that thousands run a second.
    data.truncate(16 * 1024);
    data
}
