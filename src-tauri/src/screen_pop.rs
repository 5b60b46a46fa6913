//! Screen pops: telephony software opens `concord://lookup?phone=...` (or `?email=`,
//! `?order=`, `?q=`) when a call rings, and the window shows that lookup as if the rep had
//! typed it.
//!
//! The link arrives as a command-line argument, either of this process at start or of a
//! second start that hands its arguments to the running window (see `instance`). Reading it
//! is all this module does; it never looks anything up itself. What a link carries is
//! personal data (a phone number, an email), so it is never logged above debug.

// TODO(desktop): register the scheme with the operating system (an installed .desktop file
// with `MimeType=x-scheme-handler/concord` on Linux, the bundle's URL types elsewhere) so
// that opening a link starts Concord; until then telephony software runs the binary with the
// link as its argument, which reaches the same code.

/// The URL scheme the app answers to.
pub const SCHEME: &str = "concord";

/// The longest lookup a link may carry; longer ones are cut, as the search box would.
const MAX_QUERY_CHARS: usize = 256;

/// The parameters a lookup link may carry, in the order they are preferred when several are
/// given: the caller's number is what telephony software knows best.
const PARAMETERS: [&str; 4] = ["phone", "email", "order", "q"];

/// What the window should look up for one command-line argument: `None` when the argument is
/// not a Concord link at all (the app ignores it), an error when it is one that cannot be
/// read (the message names the problem, never the link's content).
pub fn lookup_text(argument: &str) -> Option<Result<String, String>> {
    let (scheme, rest) = argument.trim().split_once("://")?;
    if !scheme.eq_ignore_ascii_case(SCHEME) {
        return None;
    }

    let (action, query) = rest.split_once('?').unwrap_or((rest, ""));
    if !action.trim_end_matches('/').eq_ignore_ascii_case("lookup") {
        return Some(Err(format!(
            "a {SCHEME}:// link must start with {SCHEME}://lookup; this one asks for something \
             else"
        )));
    }

    let pairs: Vec<(String, String)> = query
        .split('&')
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            Some((
                percent_decode(key).to_ascii_lowercase(),
                percent_decode(value),
            ))
        })
        .collect();

    let found = PARAMETERS.iter().find_map(|wanted| {
        pairs
            .iter()
            .find(|(key, value)| key == wanted && !value.trim().is_empty())
            .map(|(_, value)| clean(value))
    });
    Some(found.ok_or_else(|| {
        format!(
            "a {SCHEME}://lookup link needs one of ?phone=, ?email=, ?order= or ?q= with a \
             value"
        )
    }))
}

/// Decodes `%XX` escapes. A `+` stays a plus: telephony software writes `+15550100142`
/// unescaped, and reading it as a space would lose the country code. A broken escape or
/// invalid UTF-8 is kept as it came rather than dropped.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// Control characters have no place in a search box; whitespace runs become one space.
fn clean(value: &str) -> String {
    let text: String = value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    text.chars().take(MAX_QUERY_CHARS).collect()
}

/// The lookup asked for by the last Concord link among `arguments`, skipping the program
/// name. Links that cannot be read are reported through `on_error`.
pub fn from_arguments<I>(arguments: I, mut on_error: impl FnMut(String)) -> Option<String>
where
    I: IntoIterator<Item = String>,
{
    let mut wanted = None;
    for argument in arguments {
        match lookup_text(&argument) {
            Some(Ok(text)) => wanted = Some(text),
            Some(Err(problem)) => on_error(problem),
            None => {}
        }
    }
    wanted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(link: &str) -> String {
        lookup_text(link)
            .expect("a concord link")
            .expect("a readable one")
    }

    #[test]
    fn a_phone_link_keeps_its_plus_and_reads_escapes() {
        assert_eq!(text("concord://lookup?phone=+15550100142"), "+15550100142");
        assert_eq!(
            text("concord://lookup?phone=%2B1%20555%20010%200142"),
            "+1 555 010 0142"
        );
    }

    #[test]
    fn email_order_and_free_text_links_are_read_too() {
        assert_eq!(
            text("concord://lookup?email=ada%40engines.example"),
            "ada@engines.example"
        );
        assert_eq!(text("CONCORD://lookup/?order=W-10442"), "W-10442");
        assert_eq!(text("concord://lookup?q=Lovelace"), "Lovelace");
    }

    #[test]
    fn the_phone_wins_when_a_link_carries_several_values() {
        let link = "concord://lookup?order=W-1&phone=5550100142";

        assert_eq!(text(link), "5550100142", "the caller's number is what rang");
    }

    #[test]
    fn arguments_that_are_not_concord_links_are_ignored() {
        assert!(lookup_text("--verbose").is_none());
        assert!(lookup_text("https://lookup?phone=1").is_none());
    }

    #[test]
    fn a_concord_link_without_a_lookup_says_what_it_needs_without_quoting_itself() {
        let problem = lookup_text("concord://lookup?name=Ada")
            .unwrap()
            .unwrap_err();
        let other = lookup_text("concord://delete?phone=1")
            .unwrap()
            .unwrap_err();

        assert!(problem.contains("?phone="), "{problem}");
        assert!(
            !problem.contains("Ada"),
            "a link's content is personal data"
        );
        assert!(other.contains("concord://lookup"), "{other}");
    }

    #[test]
    fn odd_content_is_cleaned_rather_than_refused() {
        let long = format!("concord://lookup?q={}", "9".repeat(10_000));

        assert_eq!(text("concord://lookup?q=a%0Ab%09%09c"), "a b c");
        assert_eq!(text("concord://lookup?q=100%25%zz"), "100%%zz");
        assert_eq!(text(&long).chars().count(), MAX_QUERY_CHARS);
    }

    #[test]
    fn the_last_readable_link_among_the_arguments_wins() {
        let mut problems = Vec::new();
        let args = [
            "concord-desktop",
            "concord://lookup?phone=1",
            "concord://lookup?x=1",
            "concord://lookup?email=a%40b.c",
        ]
        .map(String::from);

        let wanted = from_arguments(args, |p| problems.push(p));

        assert_eq!(wanted.as_deref(), Some("a@b.c"));
        assert_eq!(problems.len(), 1, "the unreadable link is reported");
    }
}
