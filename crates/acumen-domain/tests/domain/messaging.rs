//! A clinic's message texts: placeholders, the rules a text must keep, and
//! the approval that a change of text withdraws.

use acumen_domain::messaging::{Fill, Messaging, MessagingInput};

fn defaults() -> MessagingInput {
    MessagingInput::defaults("North Clinic", "Europe/London", (21, 8))
}

fn fill(reminder: bool) -> Fill<'static> {
    Fill {
        when: "4 weeks after your course",
        link: "https://c.test/f/T",
        stop: "https://c.test/f/T/stop",
        until: "2026-12-10",
        reminder,
    }
}

fn rules(input: MessagingInput) -> Vec<(String, String)> {
    input
        .validate()
        .unwrap_err()
        .errors
        .into_iter()
        .map(|e| (e.field, e.rule))
        .collect()
}

#[test]
fn the_shipped_texts_are_valid_and_fill_in_every_placeholder() {
    let m = defaults().validate().unwrap();
    let (subject, body) = m.render(&fill(false), false);
    assert_eq!(subject, "North Clinic: a short question about your pain");
    assert_eq!(
        body,
        "Hello,\n\nNorth Clinic asks how you are 4 weeks after your course. It takes about a minute:\n\n\
         https://c.test/f/T\n\nThe page asks for your date of birth first. The link is open until 2026-12-10.\n\n\
         To stop these messages: https://c.test/f/T/stop"
    );
    let (subject, body) = m.render(&fill(true), false);
    assert_eq!(subject, "North Clinic: a reminder: a short question about your pain");
    assert!(body.starts_with("Hello,\n\nA reminder: North Clinic asks"), "{body}");
    let (none, sms) = m.render(&fill(true), true);
    assert_eq!(none, "");
    assert_eq!(
        sms,
        "North Clinic: A reminder: how is your pain 4 weeks after your course? One minute: https://c.test/f/T \
         (open until 2026-12-10). To stop these messages: https://c.test/f/T/stop"
    );
}

#[test]
fn a_subject_that_starts_with_the_reminder_reads_as_a_sentence() {
    let mut t = defaults();
    t.email_subject = "{again}{clinic} would like to hear from you".into();
    let m = t.validate().unwrap();
    assert_eq!(
        m.render(&fill(true), false).0,
        "A reminder: North Clinic would like to hear from you"
    );
    assert_eq!(
        m.render(&fill(false), false).0,
        "North Clinic would like to hear from you"
    );
}

#[test]
fn texts_keep_the_link_and_the_stop_path_and_only_known_placeholders() {
    let mut t = defaults();
    t.sms_body = "{clinic}: how are you? {link}".into();
    t.email_body = "Dear {name}, {link} {stop}".into();
    t.email_subject = "Your link {link}".into();
    let r = rules(t);
    assert_eq!(r.len(), 3, "{r:?}");
    assert_eq!(r[0].0, "email_subject");
    assert!(r[0].1.contains("must not contain a link"), "{}", r[0].1);
    assert_eq!(r[1].0, "email_body");
    assert!(r[1].1.contains("unknown placeholder {name}"), "{}", r[1].1);
    assert!(r[1].1.contains("{clinic}, {when}, {link}, {stop}, {until}, {again}"));
    assert_eq!(
        r[2],
        (
            "sms_body".into(),
            "must contain {stop}: every message carries the link and the way to stop messages".into()
        )
    );
}

#[test]
fn an_unclosed_brace_a_health_word_a_bad_zone_and_a_bad_hour_are_refused_in_words() {
    let mut t = defaults();
    t.email_body = "How is your {when? {link} {stop}".into();
    t.sms_body = "How is your neuropathy? {link} {stop}".into();
    t.time_zone = "Europe/Londn".into();
    t.quiet_to = 24;
    t.display_name = "  ".into();
    let r = rules(t);
    let fields: Vec<&str> = r.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        fields,
        ["display_name", "time_zone", "quiet_to", "email_body", "sms_body"]
    );
    assert_eq!(r[0].1, "must not be empty");
    assert!(r[1].1.contains("IANA time zone name") && r[1].1.contains("'Europe/Londn'"));
    assert_eq!(r[2].1, "must be a whole hour from 0 to 23");
    assert!(r[3].1.contains("a { without its }"), "{}", r[3].1);
    assert!(
        r[4].1.contains("health condition") && r[4].1.contains("'neuropathy'"),
        "{}",
        r[4].1
    );
}

#[test]
fn unknown_fields_are_refused() {
    let mut v = serde_json::to_value(defaults()).unwrap();
    v["patient_name"] = "Ann".into();
    let e = serde_json::from_value::<MessagingInput>(v).unwrap_err().to_string();
    assert!(e.contains("unknown field `patient_name`"), "{e}");
}

#[test]
fn a_change_of_text_withdraws_the_approval_and_a_change_of_hours_does_not() {
    let m = Messaging {
        texts: defaults().validate().unwrap(),
        revision: 1,
        enabled_revision: Some(1),
    };
    assert!(m.enabled());
    let mut hours = m.texts.clone();
    hours.quiet_from = 20;
    hours.time_zone = "Europe/Dublin".into();
    let m2 = m.replaced(hours);
    assert_eq!((m2.revision, m2.enabled()), (1, true));
    let mut text = m2.texts.clone();
    text.sms_body = "{clinic}: one question: {link} Stop: {stop}".into();
    let m3 = m2.replaced(text);
    assert_eq!((m3.revision, m3.enabled_revision, m3.enabled()), (2, Some(1), false));
    // Stored and read back, the same.
    let back: Messaging = serde_json::from_value(serde_json::to_value(&m3).unwrap()).unwrap();
    assert_eq!(back, m3);
}
