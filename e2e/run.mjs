// End-to-end test of the Acumen pages in Debian's headless Chromium.
//
//   node e2e/run.mjs http://127.0.0.1:PORT      (a server on a demo database)
//
// Drives the clinic day of issue 6 through the real pages, checks every page
// with axe-core (no serious or critical violation), and, with
// SCREENSHOTS=DIR, saves each page at 1280 px and 375 px width.
// Exits 1 with the failed step named.
import { chromium } from "playwright-core";
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const base = process.argv[2];
const shots = process.env.SCREENSHOTS || "";
const password = "demo-password-2026";
if (!base) {
  console.error("usage: node e2e/run.mjs BASE_URL");
  process.exit(2);
}

const profile = mkdtempSync(join(tmpdir(), "acumen-e2e-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
  viewport: { width: 1280, height: 900 },
});
const axeSource = readFileSync(join(here, "node_modules/axe-core/axe.min.js"), "utf8");
const page = context.pages()[0] || (await context.newPage());
const failures = [];
const checked = new Set();
const minor = [];
let step = "start";

function fail(msg) {
  throw new Error(`${step}: ${msg}`);
}

async function expectText(text) {
  const body = await page.textContent("body");
  if (!body.includes(text)) fail(`page ${page.url()} lacks "${text}"`);
}

// axe-core on the current page; and screenshots at two widths.
async function look(name) {
  const path = new URL(page.url()).pathname;
  if (!checked.has(name)) {
    checked.add(name);
    // Evaluated through the DevTools protocol: the page's CSP (no inline
    // script) stays on for the app while the checker is loaded.
    await page.evaluate(axeSource);
    const res = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
    for (const v of res.violations.filter((v) => v.impact !== "serious" && v.impact !== "critical")) {
      minor.push(`${name}: ${v.impact} ${v.id}`);
    }
    for (const v of res.violations.filter((v) => v.impact === "serious" || v.impact === "critical")) {
      failures.push(`${name} (${path}): ${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ")}`);
    }
    if (shots) {
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: join(shots, `${name}-1280.png`), fullPage: true });
      await page.setViewportSize({ width: 375, height: 800 });
      await page.screenshot({ path: join(shots, `${name}-375.png`), fullPage: true });
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  }
}

// At 375 px: how far the page overflows sideways, and the cells a reader
// sees (not a visually hidden header row) narrower than a word.
async function fits375() {
  await page.setViewportSize({ width: 375, height: 800 });
  const fit = await page.evaluate(() => ({
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    narrow: [...document.querySelectorAll("main td, main th")]
      .filter((c) => {
        const head = c.closest("thead");
        if (head && head.getBoundingClientRect().width <= 1) return false;
        return c.getBoundingClientRect().width < 40;
      })
      .map((c) => `${c.tagName} ${c.textContent.slice(0, 20)} ${Math.round(c.getBoundingClientRect().width)}`),
  }));
  await page.setViewportSize({ width: 1280, height: 900 });
  return fit;
}

async function login(email) {
  await page.goto(`${base}/login`);
  await look("login");
  await page.fill("#email", email);
  await page.fill("#password", password);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
}

async function logout() {
  await Promise.all([page.waitForNavigation(), page.click(".logout button")]);
}

async function submit() {
  await Promise.all([page.waitForNavigation(), page.click("main form button[type=submit]")]);
}

try {
  step = "log in as practitioner with the keyboard only";
  await page.goto(`${base}/login`);
  await look("login");
  await page.keyboard.press("Tab"); // the skip link
  await page.keyboard.press("Tab");
  if ((await page.evaluate(() => document.activeElement.id)) !== "clinic") fail("Tab does not reach the clinic code");
  if ((await page.inputValue("#clinic")) !== "demo") fail("the one clinic's code is not filled in");
  await page.keyboard.press("Tab");
  if ((await page.evaluate(() => document.activeElement.id)) !== "email") fail("Tab does not reach the e-mail field");
  await page.keyboard.type("practitioner@demo.acumen.test");
  await page.keyboard.press("Tab");
  await page.keyboard.type(password);
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
  await expectText("Expected today or overdue");
  await look("dashboard");

  step = "add a patient with a pregnancy and a diabetic foot profile";
  await page.goto(`${base}/patients`);
  await look("patients");
  await page.click("text=New patient");
  await look("patient-new");
  await page.fill("[name=given_name]", "Ada");
  await page.fill("[name=family_name]", "Endtoend");
  await page.fill("[name=year_of_birth]", "nineteen");
  // Nothing is chosen for the patient: sex is a required choice and every
  // safety item starts as "not recorded", never "no".
  if ((await page.inputValue("[name=sex]")) !== "") fail("sex is preselected on the new-patient form");
  for (const item of ["anticoagulant", "implanted_device", "diabetes"])
    if ((await page.inputValue(`[name='safety.${item}']`)) !== "") fail(`${item} does not default to not recorded`);
  await page.selectOption("[name=sex]", "female");
  await page.selectOption("[name='safety.pregnancy']", "yes");
  await page.fill("[name='safety.pregnancy_date']", "2026-10-01");
  await page.selectOption("[name='safety.diabetes']", "yes");
  await page.check("[name='safety.reduced_sensation'][value=feet]");
  await submit();
  // A word in a number field is refused next to the field, and nothing typed is lost.
  await expectText("must be a whole number");
  if ((await page.inputValue("[name=given_name]")) !== "Ada") fail("typed name lost after a validation error");
  if ((await page.inputValue("[name='safety.diabetes']")) !== "yes") fail("chosen answer lost after a validation error");
  if (!(await page.isChecked("[name='safety.reduced_sensation'][value=feet]"))) fail("ticked box lost after a validation error");
  await look("patient-new-invalid");
  await page.fill("[name=year_of_birth]", "1988");
  await submit();
  await expectText("Ada Endtoend");
  // What was left alone is named as not recorded, with the way to record it.
  const missing = await page.textContent(".banner .flags.missing");
  if (!missing.includes("anticoagulant")) fail("the banner does not say the anticoagulant item is not recorded: " + missing);
  const patientUrl = page.url();
  const patientId = patientUrl.match(/patients\/([0-9a-f]{32})/)[1];

  step = "record a condition and a DN4 screening";
  await page.click("text=Add a condition");
  await look("condition-new");
  await page.selectOption("[name=code]", "diabetic_polyneuropathy");
  await page.check("[name=regions][value=feet]");
  await submit();
  await expectText("Diabetic polyneuropathy (E11.42");
  await page.click("text=Record a DN4 screening");
  await look("screening-new");
  for (const item of ["dn4.i1", "dn4.i4", "dn4.i6", "dn4.examined", "dn4.e1"]) await page.check(`[name='${item}']`);
  await submit();
  await expectText("DN4 4/10 — neuropathic pain likely");

  step = "start a course";
  await page.click("text=Start a course");
  await look("course-new");
  await page.selectOption("[name=condition]", "diabetic_polyneuropathy");
  await page.fill("[name=planned_sessions]", "8");
  await submit();
  await expectText("Session 0 of 8 planned");

  step = "the day view lists the patient due today";
  await page.goto(`${base}/`);
  const expected = await page.textContent("section[aria-labelledby=h-expected]");
  if (!expected.includes("Ada Endtoend, born 1988: session 1 of 8 expected today")) fail("the day view lacks Ada: " + expected);
  await look("dashboard-day");
  await page.goto(patientUrl);

  step = "add a session with LI4 and a foot point";
  await page.click("text=Add a session");
  // The patient banner names who the form is about.
  if (!(await page.textContent(".banner")).includes("Ada Endtoend")) fail("no patient banner on the session form");
  if (await page.isVisible("#override_reason")) fail("the override box shows without a hard stop");
  if (await page.isVisible("[name='electro.frequency_hz']")) fail("electrical fields show for manual needling");
  await page.selectOption("[name=stimulation]", "electrical");
  if (!(await page.isVisible("[name='electro.frequency_hz']"))) fail("electrical fields hidden for electroacupuncture");
  await page.selectOption("[name=stimulation]", "manual");
  await page.fill("#points", "LI4 bilateral");
  await page.fill("#picker", "KI3");
  await page.dispatchEvent("#picker", "change");
  await page.waitForSelector("#live li.hard_stop", { timeout: 5000 });
  const live = await page.textContent("#live");
  if (!live.includes("Hard stop:")) fail("live findings lack the foot hard stop: " + live);
  if (!live.includes("pregnancy-caution point")) fail("live findings lack the pregnancy point: " + live);
  if (/[A-Z]+_[A-Z_]+/.test(live)) fail("a raw rule id is shown: " + live);
  if (!(await page.isVisible("#override_reason"))) fail("no override box with a hard stop");
  await look("session-new");
  await submit();
  await expectText("A safety hard stop applies");
  if (!(await page.inputValue("#points")).includes("KI3")) fail("chosen points lost after the hard stop");
  await page.waitForSelector("#live li.hard_stop", { timeout: 5000 });
  if ((await page.locator("h2:has-text('Safety findings')").count()) !== 1) fail("the findings are shown more than once");
  await look("session-refused");
  await page.fill("[name=rationale]", "LI4 for hand pain; second trimester; risks discussed and consent signed");
  await page.fill("[name=override_reason]", "Feet and hands inspected by the podiatrist this morning; report on file");
  await submit();
  await expectText("hard stops, overridden (KI3, LI4)");

  step = "add outcomes";
  await page.click("text=Add an outcome");
  await look("outcome-new");
  await page.fill("[name=value]", "11");
  await page.fill("[name=session_number]", "1");
  await submit();
  await expectText("0 (none) to 10");
  if ((await page.inputValue("[name=value]")) !== "11") fail("typed value lost after a validation error");
  await look("outcome-invalid");
  await page.fill("[name=value]", "6");
  await submit();
  await page.click("text=Add an outcome");
  await page.selectOption("[name=timepoint]", "baseline");
  await page.fill("[name=value]", "8");
  await submit();
  await page.waitForSelector("figure.chart svg");
  await look("patient-chart");
  const fit = await fits375();
  if (fit.overflow > 0 || fit.narrow.length > 0) fail(`the chart at 375 px: ${JSON.stringify(fit)}`);
  await page.goto(`${patientUrl}/edit`);
  await expectText("Ada");
  await look("patient-edit");
  await page.goto(patientUrl);
  await page.click("a[href^='/sessions/'][href$='/edit']");
  await expectText("Ada Endtoend");
  await look("session-correct");
  await page.goto(patientUrl);

  step = "add an adverse event";
  await page.click("table a:has-text('Report')");
  await look("adverse-new");
  if (!(await page.textContent(".banner")).includes("Ada Endtoend")) fail("no patient banner on the adverse-event form");
  if ((await page.inputValue("[name=causality]")) !== "") fail("causality has a default");
  await page.selectOption("[name=type]", "bleeding_haematoma");
  await page.selectOption("[name=severity]", "mild");
  await page.fill("[name=ctcae_grade]", "1");
  await page.selectOption("[name=outcome]", "recovered");
  await submit();
  await expectText("Causality must be chosen.");
  if ((await page.inputValue("[name=type]")) !== "bleeding_haematoma") fail("the chosen type was lost");
  await look("adverse-refused");
  await page.selectOption("[name=causality]", "possible");
  await submit();
  await expectText("Bruising or bleeding · mild, grade 1 · causality possible · recovered");

  step = "LV3 is read as LR3";
  await page.click("text=Add a session");
  await page.fill("#points", "LV3 left");
  await page.check("[name=skin_check][value=none]");
  await page.fill("[name=rationale]", "LR3 for foot pain");
  await submit();
  await expectText("LR3");

  step = "correct an outcome and void an adverse event recorded in error";
  await page.click("details.outcomes summary");
  await page.click("details.outcomes tbody tr:first-child a:has-text('Correct')");
  if (!(await page.textContent(".banner")).includes("Ada Endtoend")) fail("no patient banner on the outcome correction");
  if ((await page.inputValue("[name=value]")) !== "8") fail("the correction does not start from the stored value");
  await look("outcome-correct");
  await page.fill("[name=value]", "7");
  await submit();
  await page.click("details.outcomes summary");
  if (!(await page.textContent("details.outcomes tbody tr:first-child")).includes("7.0")) fail("the corrected value is not shown");
  await page.click("ul.events a:has-text('Void')");
  await submit();
  await expectText("Reason for voiding is required.");
  await look("void-refused");
  await page.fill("[name=reason]", "The bruise was there before the visit");
  await submit();
  await expectText("Voided records (1)");
  if ((await page.locator("ul.events li").count()) !== 0) fail("the voided adverse event is still listed");

  step = "a completed course takes no session";
  const course = (await page.getAttribute("a:has-text('Add a session')", "href")).match(/courses\/([0-9a-f]{32})/)[1];
  const put = await page.evaluate(async (id) => {
    const c = await (await fetch(`/api/v1/courses/${id}`)).json();
    const data = Object.assign({}, c.data, { status: "completed", end: c.data.start });
    const r = await fetch(`/api/v1/courses/${id}`, { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ version: c.version, data }) });
    return r.status;
  }, course);
  if (put !== 200) fail(`completing the course answered ${put}`);
  await page.reload();
  if ((await page.locator(`a[href='/courses/${course}/sessions/new']`).count()) !== 0) fail("a completed course offers Add a session");
  await expectText("Reopen this course");
  await page.goto(`${base}/courses/${course}/sessions/new`);
  await expectText("reopen it before adding a session");
  await page.goto(patientUrl);
  await Promise.all([page.waitForNavigation(), page.click("text=Reopen this course")]);
  await expectText("Add a session");
  await logout();

  step = "create the patient's portal login (admin)";
  await login("admin@demo.acumen.test");
  await page.goto(`${base}/admin`);
  await expectText("Audit log");
  await look("admin");
  await expectText("Stop sending follow-up messages");
  await page.goto(`${base}/admin/follow-up`);
  await expectText("Placeholders:");
  await look("follow-up-settings");
  await page.goto(`${base}/admin/users/new`);
  await look("user-new");
  await page.goto(`${base}/admin`);

  step = "the owner's outcome dashboard";
  await page.click("header nav a[href='/clinic/outcomes']");
  await expectText("By practitioner");
  const total = await page.textContent("table.owner tbody tr");
  if (!/\d+ of \d+: \d+% \(95% CI \d+% to \d+%\)/.test(total)) fail("the dashboard shows no responder figure with its interval: " + total);
  await page.selectOption("#condition", "diabetic_polyneuropathy");
  await submit();
  if (!page.url().includes("condition=diabetic_polyneuropathy")) fail("the condition filter is not applied");
  await look("owner-outcomes");
  const ofit = await fits375();
  if (ofit.overflow > 0 || ofit.narrow.length > 0) fail(`the dashboard at 375 px: ${JSON.stringify(ofit)}`);
  await page.goto(`${base}/patients/${patientId}/portal`);
  await look("portal-new");
  await page.fill("[name=email]", `ada.${Date.now()}@example.org`);
  const email = await page.inputValue("[name=email]");
  await page.fill("[name=name]", "Ada");
  await page.fill("[name=password]", password);
  await submit();
  await expectText("Ada Endtoend");
  await logout();

  step = "the patient adds a diary entry";
  await login(email);
  await expectText("My pain diary");
  await look("diary");
  await page.setViewportSize({ width: 375, height: 800 });
  const scale = await page.evaluate(() => {
    const spans = [...document.querySelectorAll("fieldset:nth-of-type(1) .scale span")];
    const r = spans.map((s) => s.getBoundingClientRect());
    return { n: spans.length, rows: new Set(r.map((b) => Math.round(b.top))).size, min: Math.min(...r.map((b) => Math.min(b.width, b.height))) };
  });
  if (scale.n !== 11 || scale.rows !== 1 || scale.min < 24) fail(`the 0-10 scale at 375 px: ${JSON.stringify(scale)}`);
  await page.click("fieldset:nth-of-type(1) label:has-text('5')");
  await page.click("fieldset:nth-of-type(4) label:has-text('2')");
  await submit();
  await expectText("Saved 2 answers");
  await page.waitForSelector("figure.chart svg");
  await page.setViewportSize({ width: 1280, height: 900 });
  await look("diary-saved");
  await logout();

  step = "upload an evidence CSV and see the forest plot";
  await login("researcher@demo.acumen.test");
  await page.goto(`${base}/evidence`);
  await look("evidence");
  await page.setInputFiles("#file", join(here, "../examples/k2_smd.csv"));
  await page.selectOption("#measure", "SMD");
  await submit();
  await expectText("Forest plot");
  if (!(await page.isVisible("figure.chart svg"))) fail("no forest plot");
  await look("evidence-result");

  step = "start an evidence project from the bundled one and add a trial";
  await page.goto(`${base}/projects`);
  await look("projects");
  await page.fill("#title", "Nerve pain, our review");
  await submit();
  await expectText("GRADE: certainty");
  if (!(await page.isVisible("figure.chart svg .rob-light"))) fail("no risk-of-bias lights on the forest plot");
  await look("project");
  await page.click("summary:has-text('Add a trial')");
  await page.fill("#trial_id", "Test2024");
  await page.fill("#citation", "A made-up trial typed in the e2e run");
  await page.fill("input[name=m1i]", "-1.5");
  await page.fill("input[name=sd1i]", "one point eight");
  await Promise.all([page.waitForNavigation(), page.click("details[open] form button[type=submit]")]);
  await expectText("Not saved: sd1i");
  if ((await page.inputValue("#trial_id")) !== "Test2024") fail("the typed trial id was lost");
  await look("project-refused");
  await page.fill("input[name=sd1i]", "1.8");
  for (const [k, v] of [["n1i", "30"], ["m2i", "-0.2"], ["sd2i", "1.6"], ["n2i", "30"]]) await page.fill(`input[name=${k}]`, v);
  await Promise.all([page.waitForNavigation(), page.click("details[open] form button[type=submit]")]);
  await expectText("What changed");
  await expectText("added Test2024");

  step = "the answers page";
  await page.goto(`${base}/answers`);
  await expectText("Can acupuncture help my nerve pain?");
  await look("answers");
  const afit = await fits375();
  if (afit.overflow > 0 || afit.narrow.length > 0) fail(`/answers at 375 px: ${JSON.stringify(afit)}`);
  if ((await page.locator("a.term[href='#g-smd']").count()) !== 1) fail("SMD is not explained where it first appears");
  if ((await page.locator("header nav a[href='/evidence']").count()) !== 1) fail("/answers has no way back");
} catch (e) {
  const msg = String(e.message || e);
  const shown = (await page.textContent("main").catch(() => "")).replace(/\s+/g, " ").slice(0, 400);
  failures.push(`${msg.startsWith(step) ? msg : `${step}: ${msg}`} (at ${page.url()}: "${shown}")`);
}

await context.close();
rmSync(profile, { recursive: true, force: true });
if (failures.length) {
  console.error("E2E FAILED:\n" + failures.map((f) => " - " + f).join("\n"));
  process.exit(1);
}
console.log(`e2e ok: ${checked.size} pages checked with axe-core (no serious or critical violation; ${minor.length} minor or moderate${minor.length ? ": " + minor.join(", ") : ""})${shots ? `, screenshots in ${shots}` : ""}`);
