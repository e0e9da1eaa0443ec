//! The words of the evidence in plain language: each term the answers page
//! uses is explained once in its glossary, and its first use on the page
//! links there with the explanation as a tooltip.

/// (term, anchor, one-line explanation).
pub const TERMS: [(&str, &str, &str); 11] = [
    ("SMD", "g-smd", "Standardized mean difference: how far apart two groups' average pain is, in units of how much pain varies between people (0.2 small, 0.5 medium, 0.8 large)."),
    ("SMCR", "g-smcr", "Standardized mean change: how much one group's pain changed from before to after, in the same units as the SMD, with no comparison group."),
    ("RCT", "g-rct", "Randomised controlled trial: patients are assigned by chance to acupuncture or a comparison, so the groups differ only in the treatment."),
    ("ITT", "g-itt", "Intention to treat: everyone who started counts, including those who stopped early (counted as not improved)."),
    ("PGIC", "g-pgic", "Patient global impression of change: the patient's own rating from 1 (very much improved) to 7 (very much worse)."),
    ("NRS", "g-nrs", "Numeric rating scale: pain scored from 0 (none) to 10 (worst imaginable)."),
    ("Kaplan–Meier", "g-km", "A way to draw how many patients have responded by each session, counting those still in treatment fairly."),
    ("DN4", "g-dn4", "A ten-item questionnaire and examination; 4 or more suggests nerve (neuropathic) pain."),
    ("STRICTA", "g-stricta", "The reporting standard that says what an acupuncture trial must describe: points, needles, sessions, practitioner."),
    ("95% CI", "g-ci", "95% confidence interval: the range of values the data are compatible with; a wider range means less certainty."),
    ("sham", "g-sham", "A pretend acupuncture (non-penetrating or off-point needles) used as the comparison in blinded trials."),
];

/// Links the first use of each term in the page's text (outside tags,
/// scripts, styles, titles and charts, and after `<main`) to its glossary
/// entry, with the explanation as a tooltip.
pub fn link_terms(html: &str) -> String {
    let Some(main) = html.find("<main") else {
        return html.to_string();
    };
    let (head, body) = html.split_at(main);
    let mut out = String::with_capacity(html.len() + 2048);
    out.push_str(head);
    let mut done = [false; TERMS.len()];
    let mut rest = body;
    let mut skip_until: Option<&str> = None;
    while !rest.is_empty() {
        if let Some(i) = rest.find('<') {
            let (text, tag_on) = rest.split_at(i);
            if skip_until.is_none() {
                out.push_str(&link_text(text, &mut done));
            } else {
                out.push_str(text);
            }
            let end = tag_on.find('>').map_or(tag_on.len(), |j| j + 1);
            let tag = &tag_on[..end];
            let lower = tag.to_ascii_lowercase();
            match skip_until {
                Some(close) if lower.starts_with(close) => skip_until = None,
                None => {
                    for (open, close) in [
                        ("<svg", "</svg"),
                        ("<title", "</title"),
                        ("<a ", "</a"),
                        ("<summary", "</summary"),
                        ("<caption", "</caption"),
                        ("<th", "</th"),
                    ] {
                        if lower.starts_with(open) && !lower.ends_with("/>") {
                            skip_until = Some(close);
                        }
                    }
                    if lower.starts_with("<section aria-labelledby=\"glossary\"") {
                        done = [true; TERMS.len()];
                    }
                }
                _ => {}
            }
            out.push_str(tag);
            rest = &tag_on[end..];
        } else {
            out.push_str(&if skip_until.is_none() {
                link_text(rest, &mut done)
            } else {
                rest.to_string()
            });
            break;
        }
    }
    out
}

/// The first use of each term not yet linked, in one text node.
fn link_text(text: &str, done: &mut [bool; TERMS.len()]) -> String {
    let mut t = text.to_string();
    for (k, (term, anchor, words)) in TERMS.iter().enumerate() {
        if done[k] {
            continue;
        }
        if let Some(i) = find_word(&t, term) {
            let link = format!(
                "<a class=\"term\" href=\"#{anchor}\" title=\"{}\">{term}</a>",
                words.replace('"', "&quot;")
            );
            t.replace_range(i..i + term.len(), &link);
            done[k] = true;
        }
    }
    t
}

/// Where `term` stands as a word (not inside another word or a link just made).
fn find_word(t: &str, term: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(j) = t[from..].find(term) {
        let i = from + j;
        let before = t[..i].chars().next_back();
        let after = t[i + term.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '"' || c == '#' || c == '-');
        let in_link = t[..i].rfind("<a ").is_some_and(|a| t[a..i].find("</a>").is_none());
        if !word(before) && !word(after) && !in_link {
            return Some(i);
        }
        from = i + term.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_use_in_the_text_links_to_the_glossary() {
        let html = "<head><title>SMD</title></head><main><p title=\"SMD\">An SMD of -0.5; the SMD again</p>\
                    <svg><text>SMD</text></svg><th>ITT</th><p>ITT counts everyone; SMDs</p></main>";
        let out = link_terms(html);
        assert_eq!(out.matches("href=\"#g-smd\"").count(), 1, "{out}");
        assert!(out.contains("<title>SMD</title>"), "the head is left alone");
        assert!(
            out.contains("<p title=\"SMD\">An <a class=\"term\" href=\"#g-smd\""),
            "{out}"
        );
        assert!(out.contains("the SMD again"), "only the first use");
        assert!(out.contains("<svg><text>SMD</text></svg>"), "charts are left alone");
        assert!(out.contains("<th>ITT</th>"), "headers are left alone");
        assert!(out.contains("<p><a class=\"term\" href=\"#g-itt\""), "{out}");
        assert!(!out.contains(">SMD</a>s"), "not inside a longer word");
    }
}
