//! The follow-up plan and its messages, on fixed days and at fixed instants:
//! every schedule rule (baseline, per session, PGIC at 6/12/end, 4 weeks, 3
//! months, a missed visit), reminders on days 3 and 7, quiet hours in the
//! clinic's time zone, one message a day, expiry, consent and opt-out.
//! Each expected day is counted by hand in the comment beside it.

use acumen_domain::followup::{
    timepoints, After, CourseSchedule, CourseScheduleInput, FollowUpPlan, Scheduled, Timepoint,
};
use acumen_domain::outreach::{
    next_message, quiet, Channel, ClinicZone, Contact, Message, MessageKind, Outreach, State,
};
use acumen_domain::schedule::{CourseFacts, OutcomeFact, SessionFact};
use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};

fn course(planned: u32, active: bool, end: Option<Date>) -> CourseFacts {
    // Starts Monday 2 November 2026, weekly.
    CourseFacts {
        start: date!(2026 - 11 - 02),
        planned,
        per_week: 1.0,
        active,
        end,
        schedule: None,
    }
}

fn s(number: u32, day: Date) -> SessionFact {
    SessionFact { number, day }
}

fn o(instrument: &str, timepoint: &str, session: Option<u32>, day: Date, scheduled: Option<&str>) -> OutcomeFact {
    OutcomeFact {
        instrument: instrument.into(),
        timepoint: timepoint.into(),
        session_number: session,
        day,
        scheduled: scheduled.map(str::to_string),
    }
}

fn keys(tps: &[Scheduled]) -> Vec<String> {
    tps.iter().map(|t| t.timepoint.key()).collect()
}

fn find<'a>(tps: &'a [Scheduled], key: &str) -> &'a Scheduled {
    tps.iter()
        .find(|t| t.timepoint.key() == key)
        .unwrap_or_else(|| panic!("no {key} in {:?}", keys(tps)))
}

fn weekly(n: u32) -> Vec<SessionFact> {
    // Session k on 2 Nov + 7(k-1) days.
    (1..=n)
        .map(|k| s(k, date!(2026 - 11 - 02) + time::Duration::weeks(i64::from(k) - 1)))
        .collect()
}

#[test]
fn a_new_course_asks_the_baseline_by_link_from_its_start_day() {
    let plan = FollowUpPlan::default();
    let c = course(8, true, None);
    assert!(
        timepoints(&c, &[], &[], &plan, date!(2026 - 11 - 01)).is_empty(),
        "not before the start"
    );
    let t = timepoints(&c, &[], &[], &plan, date!(2026 - 11 - 02));
    assert_eq!(keys(&t), ["baseline"]);
    assert_eq!(t[0].measures, ["nrs_average", "nrs_worst", "sleep_interference"]);
    assert!(t[0].timepoint.by_link() && !t[0].recorded && t[0].closes.is_none());
    // A baseline recorded at the first visit counts; it closes on session 1's day.
    let ss = [s(1, date!(2026 - 11 - 02))];
    let os = [o("nrs_average", "baseline", None, date!(2026 - 11 - 02), None)];
    let t = timepoints(&c, &ss, &os, &plan, date!(2026 - 11 - 02));
    assert_eq!(keys(&t), ["baseline", "session:1"]);
    assert!(t[0].recorded);
    assert_eq!(t[0].closes, Some(date!(2026 - 11 - 02)));
    assert!(!t[1].timepoint.by_link());
}

#[test]
fn every_session_asks_pain_and_sleep_and_sessions_6_and_12_the_pgic() {
    let plan = FollowUpPlan::default();
    let c = course(12, true, None);
    let ss = weekly(12); // session 12 on 2 Nov + 77 days = 18 Jan 2027
    let t = timepoints(&c, &ss, &[], &plan, date!(2027 - 01 - 18));
    let sessions: Vec<&Scheduled> = t
        .iter()
        .filter(|x| matches!(x.timepoint, Timepoint::Session { .. }))
        .collect();
    assert_eq!(sessions.len(), 12);
    for x in &sessions {
        let Timepoint::Session { session } = x.timepoint else {
            unreachable!()
        };
        let pgic = x.measures.contains(&"pgic");
        assert_eq!(pgic, session == 6 || session == 12, "session {session}");
        assert!(x
            .measures
            .starts_with(&["nrs_average", "nrs_worst", "sleep_interference"]));
    }
    // Session 12 is the last planned and has its PGIC: no separate end-of-course PGIC.
    assert!(!keys(&t).contains(&"end".to_string()), "{:?}", keys(&t));
    // A session score recorded at the visit completes that session only.
    let os = [o("nrs_average", "session", Some(3), date!(2026 - 11 - 16), None)];
    let t = timepoints(&c, &ss[..3], &os, &plan, date!(2026 - 11 - 16));
    assert_eq!(
        (find(&t, "session:3").recorded, find(&t, "session:2").recorded),
        (true, false)
    );
}

#[test]
fn the_end_of_a_course_asks_a_pgic_and_follow_ups_at_4_weeks_and_3_months() {
    let plan = FollowUpPlan::default();
    // Ended on Monday 30 November 2026 after 5 of 8 sessions (the last on 30 Nov).
    let c = course(8, false, Some(date!(2026 - 11 - 30)));
    let ss = weekly(5);
    let t = timepoints(&c, &ss, &[], &plan, date!(2026 - 11 - 30));
    assert_eq!(find(&t, "end").due, date!(2026 - 11 - 30));
    assert_eq!(find(&t, "end").measures, ["pgic"]);
    assert!(!keys(&t).iter().any(|k| k.starts_with("follow_up")), "none due yet");
    // 4 weeks: 30 Nov + 28 days = 28 Dec; due that day, not the day before.
    assert!(!keys(&timepoints(&c, &ss, &[], &plan, date!(2026 - 12 - 27))).contains(&"follow_up:4w".to_string()));
    let t = timepoints(&c, &ss, &[], &plan, date!(2026 - 12 - 28));
    let f = find(&t, "follow_up:4w");
    assert_eq!(f.due, date!(2026 - 12 - 28));
    assert_eq!(f.measures, ["nrs_average", "nrs_worst", "sleep_interference", "pgic"]);
    assert!(f.timepoint.by_link());
    // 3 calendar months: 30 Nov -> 28 Feb 2027 (February has no 30th).
    let t = timepoints(&c, &ss, &[], &plan, date!(2027 - 02 - 28));
    assert_eq!(find(&t, "follow_up:3m").due, date!(2027 - 02 - 28));
    assert_eq!(After::Months(3).from(date!(2026 - 10 - 15)), date!(2027 - 01 - 15));
    assert_eq!(
        After::Months(1).from(date!(2028 - 01 - 31)),
        date!(2028 - 02 - 29),
        "leap year"
    );
    // The follow-up's own answers (through its link): its pain, and its PGIC,
    // which also stands for the end of the course's.
    let os = [
        o(
            "nrs_average",
            "follow_up",
            None,
            date!(2026 - 12 - 29),
            Some("follow_up:4w"),
        ),
        o("pgic", "follow_up", None, date!(2026 - 12 - 29), Some("follow_up:4w")),
    ];
    let t = timepoints(&c, &ss, &os, &plan, date!(2027 - 02 - 28));
    assert!(find(&t, "follow_up:4w").recorded && find(&t, "end").recorded);
    assert!(
        !find(&t, "follow_up:3m").recorded,
        "the 4-week answer does not count for 3 months"
    );
    // Recorded at the clinic without a key: a follow-up score on or after 28 Feb counts for 3 months.
    let os = [o("nrs_average", "follow_up", None, date!(2027 - 03 - 01), None)];
    let t = timepoints(&c, &ss, &os, &plan, date!(2027 - 03 - 01));
    assert!(find(&t, "follow_up:3m").recorded && !find(&t, "follow_up:4w").recorded);
}

#[test]
fn a_course_with_its_own_schedule_asks_pgic_and_follow_ups_on_its_days() {
    // PGIC at session 4, one follow-up 6 weeks after the end, instead of 6/12 and 4w/3m.
    let mut c = course(4, false, Some(date!(2026 - 11 - 23)));
    c.schedule = CourseSchedule::of(&serde_json::json!({"pgic_sessions": [4], "follow_ups": ["6w"]}));
    assert_eq!(c.pgic_sessions(), &[4]);
    let sessions = weekly(4); // 2, 9, 16, 23 November
    let tps = timepoints(&c, &sessions, &[], &FollowUpPlan::default(), date!(2027 - 06 - 01));
    let k = keys(&tps);
    assert!(k.contains(&"session:4".to_string()), "{k:?}");
    let s4 = find(&tps, "session:4");
    assert!(s4.measures.contains(&"pgic"), "{:?}", s4.measures);
    // 23 November + 6 weeks = 4 January; no 4-week or 3-month follow-up.
    assert_eq!(find(&tps, "follow_up:6w").due, date!(2027 - 01 - 04));
    assert!(!k.iter().any(|k| k == "follow_up:4w" || k == "follow_up:3m"), "{k:?}");
    // The end of the course asks no second PGIC: session 4 asked it.
    assert!(!k.contains(&"end".to_string()), "{k:?}");
}

#[test]
fn a_course_schedule_is_refused_in_words() {
    let bad = CourseScheduleInput {
        pgic_sessions: vec![0, 6],
        follow_ups: vec!["4w".into(), "5x".into(), "30m".into()],
    };
    let mut c = acumen_domain::error::Check::default();
    bad.check(&mut c, "follow_up_schedule");
    let e = c.into_invalid().errors;
    let fields: Vec<&str> = e.iter().map(|x| x.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "follow_up_schedule.pgic_sessions[0]",
            "follow_up_schedule.follow_ups[1]",
            "follow_up_schedule.follow_ups[2]"
        ]
    );
    assert!(
        e[1].rule.contains("written like 4w") && e[1].rule.contains("'5x'"),
        "{}",
        e[1].rule
    );
    assert_eq!(
        (After::of_key("104w"), After::of_key("105w"), After::of_key("m")),
        (Some(After::Weeks(104)), None, None)
    );
}

#[test]
fn a_late_visit_is_asked_by_link_after_three_days() {
    let plan = FollowUpPlan::default();
    let c = course(8, true, None);
    let ss = weekly(2); // session 2 on 9 Nov; session 3 expected 16 Nov
                        // Late by 2 days (18 Nov): not yet; by 3 (19 Nov): the pain measures of session 3 by link.
    assert!(!keys(&timepoints(&c, &ss, &[], &plan, date!(2026 - 11 - 18))).contains(&"missed:3".to_string()));
    let t = timepoints(&c, &ss, &[], &plan, date!(2026 - 11 - 19));
    let m = find(&t, "missed:3");
    assert_eq!((m.due, m.timepoint.by_link()), (date!(2026 - 11 - 19), true));
}

// --- messages -------------------------------------------------------------

fn due_link(tp: Timepoint, due: Date) -> Scheduled {
    Scheduled {
        timepoint: tp,
        measures: vec!["nrs_average", "nrs_worst", "sleep_interference"],
        due,
        closes: None,
        recorded: false,
    }
}

fn msg(tp: Timepoint, kind: MessageKind, at: OffsetDateTime) -> Message {
    Message {
        timepoint: tp.key(),
        kind,
        at,
    }
}

const EMAIL: Contact = Contact {
    consent: true,
    channel: Some(Channel::Email),
    opted_out: false,
};

const FOUR_WEEKS: Timepoint = Timepoint::FollowUp { after: After::Weeks(4) };

#[test]
fn the_link_goes_on_its_day_with_reminders_on_days_3_and_7_then_it_expires_on_day_14() {
    let (plan, utc) = (FollowUpPlan::default(), ClinicZone::utc());
    let item = due_link(FOUR_WEEKS, date!(2026 - 12 - 28));
    let next = |msgs: &[Message], now: OffsetDateTime| {
        let o = Outreach {
            item: &item,
            messages: msgs.iter().collect(),
            declined: false,
        };
        let sent: Vec<OffsetDateTime> = msgs.iter().map(|m| m.at).collect();
        (
            o.state(&plan, &utc, now),
            next_message(&[o.clone()], &EMAIL, &sent, &plan, &utc, now),
        )
    };
    // 28 Dec 09:00: due, the link goes.
    assert_eq!(
        next(&[], datetime!(2026-12-28 09:00 UTC)),
        (State::Due, Some((FOUR_WEEKS, MessageKind::Link)))
    );
    let first = msg(FOUR_WEEKS, MessageKind::Link, datetime!(2026-12-28 09:00 UTC));
    // Days 1 and 2 (29, 30 Dec): nothing; day 3 (31 Dec): the first reminder.
    assert_eq!(
        next(&[first.clone()], datetime!(2026-12-30 10:00 UTC)),
        (State::Sent, None)
    );
    assert_eq!(
        next(&[first.clone()], datetime!(2026-12-31 08:00 UTC)),
        (State::Sent, Some((FOUR_WEEKS, MessageKind::Reminder(1))))
    );
    let r1 = msg(FOUR_WEEKS, MessageKind::Reminder(1), datetime!(2026-12-31 08:00 UTC));
    // Day 6 (3 Jan): nothing; day 7 (4 Jan): the second reminder.
    let two = [first.clone(), r1.clone()];
    assert_eq!(next(&two, datetime!(2027-01-03 12:00 UTC)), (State::Reminded, None));
    assert_eq!(
        next(&two, datetime!(2027-01-04 12:00 UTC)).1,
        Some((FOUR_WEEKS, MessageKind::Reminder(2)))
    );
    let all = [
        first,
        r1,
        msg(FOUR_WEEKS, MessageKind::Reminder(2), datetime!(2027-01-04 12:00 UTC)),
    ];
    // No third reminder; open through day 13 (10 Jan: 4 Jan + 7 - 1), expired on day 14 (11 Jan).
    assert_eq!(next(&all, datetime!(2027-01-10 23:00 UTC)), (State::Reminded, None));
    assert_eq!(next(&all, datetime!(2027-01-11 00:00 UTC)), (State::Expired, None));
    let o = Outreach {
        item: &item,
        messages: all.iter().collect(),
        declined: false,
    };
    assert_eq!(o.open_until(&plan, &utc), Some(date!(2027 - 01 - 10)));
}

#[test]
fn no_message_about_a_timepoint_goes_after_its_last_message_day() {
    let (plan, utc) = (FollowUpPlan::default(), ClinicZone::utc());
    // Window 14 days (7 + 7): the link by due + 13; 7 + 2 × 6 more: due + 32.
    let due = date!(2026 - 12 - 28);
    assert_eq!(plan.last_message_day(due), date!(2027 - 01 - 29));
    // The latest a link and its reminders can go: the link on due + 13
    // (10 Jan), the first reminder delayed to the last day it is open
    // (10 Jan + 7 + 7 - 1 = 23 Jan: its first message's day 13), the
    // second on its day 7 (17 Jan, already passed: it goes at once).
    let item = due_link(FOUR_WEEKS, due);
    let link = msg(FOUR_WEEKS, MessageKind::Link, datetime!(2027-01-10 09:00 UTC));
    let o = Outreach {
        item: &item,
        messages: vec![&link],
        declined: false,
    };
    assert_eq!(o.open_until(&plan, &utc), Some(date!(2027 - 01 - 23)));
    let r1 = msg(FOUR_WEEKS, MessageKind::Reminder(1), datetime!(2027-01-23 09:00 UTC));
    let r2 = msg(FOUR_WEEKS, MessageKind::Reminder(2), datetime!(2027-01-29 09:00 UTC));
    let o = Outreach {
        item: &item,
        messages: vec![&link, &r1],
        declined: false,
    };
    // After the first reminder on 23 Jan the link opens through 29 Jan: the
    // second can go on the last day of the bound, not after.
    assert_eq!(o.open_until(&plan, &utc), Some(date!(2027 - 01 - 29)));
    let sent = [link.at, r1.at];
    assert_eq!(
        next_message(&[o.clone()], &EMAIL, &sent, &plan, &utc, r2.at),
        Some((FOUR_WEEKS, MessageKind::Reminder(2)))
    );
    assert_eq!(
        next_message(&[o], &EMAIL, &sent, &plan, &utc, datetime!(2027-01-30 09:00 UTC)),
        None
    );
}

#[test]
fn recorded_or_declined_stops_the_reminders() {
    let (plan, utc) = (FollowUpPlan::default(), ClinicZone::utc());
    let first = [msg(FOUR_WEEKS, MessageKind::Link, datetime!(2026-12-28 09:00 UTC))];
    let day3 = datetime!(2026-12-31 09:00 UTC);
    let mut done = due_link(FOUR_WEEKS, date!(2026 - 12 - 28));
    done.recorded = true;
    let o = Outreach {
        item: &done,
        messages: first.iter().collect(),
        declined: false,
    };
    assert_eq!(o.state(&plan, &utc, day3), State::Completed);
    assert_eq!(next_message(&[o], &EMAIL, &[first[0].at], &plan, &utc, day3), None);
    let open = due_link(FOUR_WEEKS, date!(2026 - 12 - 28));
    let o = Outreach {
        item: &open,
        messages: first.iter().collect(),
        declined: true,
    };
    assert_eq!(o.state(&plan, &utc, day3), State::Declined);
    assert_eq!(next_message(&[o], &EMAIL, &[first[0].at], &plan, &utc, day3), None);
}

#[test]
fn nothing_goes_in_quiet_hours_in_the_clinics_time_zone() {
    let plan = FollowUpPlan::default();
    let london = ClinicZone::named("Europe/London").unwrap();
    let sydney = ClinicZone::named("Australia/Sydney").unwrap();
    assert!(ClinicZone::named("Mars/Olympus_Mons").is_none());
    let item = due_link(Timepoint::Baseline, date!(2026 - 07 - 01));
    let o = [Outreach {
        item: &item,
        messages: vec![],
        declined: false,
    }];
    let at = |now, zone: &ClinicZone| next_message(&o, &EMAIL, &[], &plan, zone, now).is_some();
    // 1 July: London is UTC+1 (BST). 19:59 UTC = 20:59 local: sent; 20:00 UTC = 21:00: quiet.
    assert!(at(datetime!(2026-07-01 19:59 UTC), &london));
    assert!(!at(datetime!(2026-07-01 20:00 UTC), &london));
    // 06:59 UTC = 07:59 local: quiet; 07:00 UTC = 08:00 local: sent.
    assert!(!at(datetime!(2026-07-02 06:59 UTC), &london));
    assert!(at(datetime!(2026-07-02 07:00 UTC), &london));
    // Sydney is UTC+10 in July: 23:00 UTC on 1 July is 09:00 on 2 July there.
    assert!(at(datetime!(2026-07-01 23:00 UTC), &sydney));
    assert!(!at(datetime!(2026-07-01 12:00 UTC), &sydney), "22:00 in Sydney");
    assert_eq!(
        sydney.local(datetime!(2026-07-01 23:00 UTC)),
        (date!(2026 - 07 - 02), 9)
    );
    // The rule itself, wrapping midnight or not.
    assert!(quiet(21, 21, 8) && quiet(0, 21, 8) && quiet(7, 21, 8) && !quiet(8, 21, 8) && !quiet(20, 21, 8));
    assert!(quiet(13, 12, 14) && !quiet(14, 12, 14) && !quiet(3, 0, 0));
}

#[test]
fn at_most_one_message_a_patient_a_day_the_longest_waiting_first() {
    let (plan, utc) = (FollowUpPlan::default(), ClinicZone::utc());
    let three = Timepoint::FollowUp {
        after: After::Months(3),
    };
    let missed = Timepoint::MissedVisit { session: 4 };
    let a = due_link(missed, date!(2027 - 01 - 02));
    let b = due_link(three, date!(2027 - 01 - 05));
    let items = [
        Outreach {
            item: &b,
            messages: vec![],
            declined: false,
        },
        Outreach {
            item: &a,
            messages: vec![],
            declined: false,
        },
    ];
    let now = datetime!(2027-01-05 10:00 UTC);
    assert_eq!(
        next_message(&items, &EMAIL, &[], &plan, &utc, now),
        Some((missed, MessageKind::Link)),
        "due 2 Jan before 5 Jan"
    );
    // Something went to the patient earlier today (any timepoint): nothing more today.
    let earlier = [datetime!(2027-01-05 08:30 UTC)];
    assert_eq!(next_message(&items, &EMAIL, &earlier, &plan, &utc, now), None);
    // Yesterday's message does not hold today's back.
    let yesterday = [datetime!(2027-01-04 20:00 UTC)];
    assert!(next_message(&items, &EMAIL, &yesterday, &plan, &utc, now).is_some());
}

#[test]
fn no_message_without_consent_and_a_channel_or_after_opting_out_and_unsent_links_still_expire() {
    let (plan, utc) = (FollowUpPlan::default(), ClinicZone::utc());
    let item = due_link(FOUR_WEEKS, date!(2026 - 12 - 28));
    let o = [Outreach {
        item: &item,
        messages: vec![],
        declined: false,
    }];
    let now = datetime!(2026-12-28 10:00 UTC);
    for (who, why) in [
        (Contact::default(), "no consent is the default"),
        (
            Contact {
                consent: true,
                channel: None,
                opted_out: false,
            },
            "no channel",
        ),
        (
            Contact {
                consent: true,
                channel: Some(Channel::Sms),
                opted_out: true,
            },
            "opted out",
        ),
    ] {
        assert_eq!(next_message(&o, &who, &[], &plan, &utc, now), None, "{why}");
    }
    let sms = Contact {
        consent: true,
        channel: Some(Channel::Sms),
        opted_out: false,
    };
    assert!(next_message(&o, &sms, &[], &plan, &utc, now).is_some());
    // Never sent, it is due through day 13 and expired (missing) from day 14: 28 Dec + 14 = 11 Jan.
    assert_eq!(o[0].state(&plan, &utc, datetime!(2027-01-10 12:00 UTC)), State::Due);
    assert_eq!(o[0].state(&plan, &utc, datetime!(2027-01-11 12:00 UTC)), State::Expired);
}

#[test]
fn a_baseline_closes_at_session_1_and_visit_measures_expire_a_week_after_the_visit() {
    let (plan, utc) = (FollowUpPlan::default(), ClinicZone::utc());
    let mut baseline = due_link(Timepoint::Baseline, date!(2026 - 11 - 02));
    baseline.closes = Some(date!(2026 - 11 - 09));
    let o = Outreach {
        item: &baseline,
        messages: vec![],
        declined: false,
    };
    assert_eq!(
        o.state(&plan, &utc, datetime!(2026-11-09 18:00 UTC)),
        State::Due,
        "still on the day of session 1"
    );
    assert_eq!(o.state(&plan, &utc, datetime!(2026-11-10 09:00 UTC)), State::Expired);
    let visit = due_link(Timepoint::Session { session: 2 }, date!(2026 - 11 - 09));
    let o = Outreach {
        item: &visit,
        messages: vec![],
        declined: false,
    };
    assert_eq!(o.state(&plan, &utc, datetime!(2026-11-15 12:00 UTC)), State::Due);
    assert_eq!(
        o.state(&plan, &utc, datetime!(2026-11-16 12:00 UTC)),
        State::Expired,
        "9 Nov + 7"
    );
    // A visit's measures are never sent by link.
    assert_eq!(
        next_message(&[o], &EMAIL, &[], &plan, &utc, datetime!(2026-11-10 10:00 UTC)),
        None
    );
}

#[test]
fn a_timepoint_key_reads_back_as_its_timepoint() {
    for tp in [
        Timepoint::Baseline,
        Timepoint::Session { session: 6 },
        Timepoint::MissedVisit { session: 4 },
        Timepoint::End,
        FOUR_WEEKS,
        Timepoint::FollowUp {
            after: After::Months(3),
        },
    ] {
        assert_eq!(Timepoint::of_key(&tp.key()), Some(tp), "{}", tp.key());
    }
    for bad in [
        "",
        "session:",
        "missed:x",
        "follow_up:",
        "follow_up:4d",
        "follow_up:w",
        "later",
    ] {
        assert_eq!(Timepoint::of_key(bad), None, "{bad}");
    }
}
