"""Coordinator views: each reads through `queries`, decides through `decisions`, and stays thin."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup
from matching import RULE_LABELS
from sqlalchemy.exc import NoResultFound

from mentormatch import figures, mail, matching_service, queue
from mentormatch.access import is_htmx, staff_required
from mentormatch.coordinator import bp, decisions, queries, review
from mentormatch.coordinator.forms import (
    DECISIONS,
    ApproveForm,
    ConfirmConsentForm,
    DecisionForm,
    DoNotMatchForm,
    HandPickForm,
    InterviewForm,
    LiftPairForm,
    MentorStatusForm,
    RejectForm,
    RetryMessageForm,
    RunForm,
    SearchForm,
    SettingsForm,
    SwapForm,
    VerifyClearanceForm,
    WaitlistFilterForm,
)
from mentormatch.extensions import db
from mentormatch.formkit import choices
from mentormatch.models import (
    Application,
    ApplicationStatus,
    Clearance,
    DoNotMatch,
    MatchingRun,
    MatchProposal,
    Mentor,
    MessageStatus,
    OutboxMessage,
    Program,
    ProposalStatus,
    RunStatus,
    UnmatchedYouth,
    record_read,
    utcnow,
)


# ---------------------------------------------------------------- fetch and authorize


def get_application_or_404(application_id: int) -> Application:
    application = queries.application_with_record(application_id)
    if application is None or application.youth.anonymised_at is not None:
        abort(404)
    return application


def get_mentor_or_404(mentor_id: int) -> Mentor:
    return queries.mentor_with_record(mentor_id) or abort(404)


def get_proposal_or_404(proposal_id: int) -> MatchProposal:
    return queries.proposal_with_rows(proposal_id) or abort(404)


LARGEST_ID = 2**31 - 1
LAST_PAGE = 10_000


def _int_arg(name: str, largest: int = LARGEST_ID):
    """A whole number from the query string, or None when missing or out of range."""
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 12 and int(value) <= largest else None


def _page_arg(name: str = "page") -> int:
    return min(max(_int_arg(name) or 1, 1), LAST_PAGE)


def _status_arg(valid) -> str:
    value = request.args.get("status", "")
    return value if value in {s.value for s in valid} else ""


def _program_choices(blank: str) -> list:
    programs = db.session.scalars(sa.select(Program).order_by(Program.name))
    return choices([("", blank)] + [(str(p.id), p.name) for p in programs])


# ---------------------------------------------------------------- application review


@bp.route("/applications")
@staff_required
def applications():
    """Applications, searched and filtered live, a page at a time."""
    form = SearchForm(request.args)
    form.program.choices = _program_choices("Any program")
    statement = queries.application_search(_int_arg("program"), _status_arg(ApplicationStatus),
                                           (form.q.data or "")[:80], _int_arg("age", 120))
    page = db.paginate(statement, page=_page_arg(),
                       per_page=queries.PER_PAGE, error_out=False)
    template = "coordinator/_application_results.html" if is_htmx() else "coordinator/applications.html"
    return render_template(template, form=form, page=page)


@bp.route("/applications/<int:application_id>")
@staff_required
def review_application(application_id: int):
    """One application with the youth's full profile and consent record."""
    return _review_page(get_application_or_404(application_id), DecisionForm())


def _review_page(application: Application, form: DecisionForm, status: int = 200, confirm_form=None):
    """The full record, audited each time it is shown (a refused decision shows it again)."""
    proposals, matches = queries.application_history(application.id)
    allowed = [k for k, (s, _) in DECISIONS.items() if application.can_move_to(s)]
    form.decision.choices = choices([(k, DECISIONS[k][1]) for k in allowed])
    page = render_template("coordinator/application.html", application=application, form=form,
                           allowed=allowed, proposals=proposals, matches=matches, today=utcnow().date(),
                           confirm_form=confirm_form or ConfirmConsentForm(), lift_form=LiftPairForm(),
                           pairs=queries.pairs_of_youth(application.youth_id))
    # Committed after rendering, which leaves the rows loaded for the page loaded.
    record_read(current_user, "application.view", application)
    db.session.commit()
    return page, status


@bp.route("/applications/<int:application_id>/decision", methods=["POST"])
@staff_required
def decide_application(application_id: int):
    """Mark an application eligible or ineligible, or ask the family for missing information."""
    application = get_application_or_404(application_id)
    form = DecisionForm()
    form.decision.choices = choices([(k, v[1]) for k, v in DECISIONS.items()])
    if not form.validate_on_submit():
        return _review_page(application, form, 422)
    status = DECISIONS[form.decision.data][0]
    try:
        review.decide_application(application, status, current_user, (form.reason.data or "").strip())
    except review.ReviewRefused as refused:
        form.decision.errors.append(str(refused))
        return _review_page(application, form, 422)
    flash(f"{application.youth.full_name}: {status.label.lower()}. The family is e-mailed.", "success")
    return redirect(url_for("coordinator.review_application", application_id=application.id))


@bp.route("/applications/<int:application_id>/consent/confirm", methods=["POST"])
@staff_required
def confirm_consent(application_id: int):
    """Record that the guardian's consent, given through an address the youth supplied, is confirmed."""
    application = get_application_or_404(application_id)
    form = ConfirmConsentForm()
    if not form.validate_on_submit():
        return _review_page(application, DecisionForm(), 422, confirm_form=form)
    try:
        review.confirm_consent(application, current_user, form.note.data.strip())
    except review.ReviewRefused as refused:
        flash(str(refused), "error")
    else:
        flash("Consent confirmed; the application can now be decided.", "success")
    return redirect(url_for("coordinator.review_application", application_id=application.id))


# ---------------------------------------------------------------- mentor clearance


@bp.route("/mentors")
@staff_required
def mentors():
    """Mentors awaiting approval, with unverified records, expiring soon, or lapsed."""
    return render_template("coordinator/mentors.html", queues=queries.mentor_queues())


@bp.route("/mentors/<int:mentor_id>")
@staff_required
def review_mentor(mentor_id: int):
    """A mentor's profile and clearance records, with the forms to verify and decide."""
    return _mentor_page(get_mentor_or_404(mentor_id))


def _mentor_page(mentor: Mentor, interview_form=None, status_form=None, status: int = 200):
    return render_template(
        "coordinator/mentor.html", mentor=mentor, problems=mentor.clearance_problems(),
        verify_form=VerifyClearanceForm(), interview_form=interview_form or InterviewForm(),
        status_form=status_form or MentorStatusForm(), today=utcnow().date(),
        soon=utcnow().date() + timedelta(days=queries.EXPIRY_WINDOW_DAYS),
    ), status


@bp.route("/clearances/<int:clearance_id>/verify", methods=["POST"])
@staff_required
def verify_clearance(clearance_id: int):
    """Verify one clearance record as passed or failed."""
    clearance = db.get_or_404(Clearance, clearance_id)
    form = VerifyClearanceForm()
    if form.validate_on_submit():
        passed = form.outcome.data == "passed"
        try:
            review.verify_clearance(clearance, current_user, passed)
        except review.ReviewRefused as refused:
            flash(str(refused), "error")
        else:
            flash(f"{clearance.kind.label} marked {'passed' if passed else 'failed'}.", "success")
    return redirect(url_for("coordinator.review_mentor", mentor_id=clearance.mentor_id))


@bp.route("/mentors/<int:mentor_id>/interview", methods=["POST"])
@staff_required
def record_interview(mentor_id: int):
    """Record the interview as a verified clearance."""
    mentor = get_mentor_or_404(mentor_id)
    form = InterviewForm()
    if not form.validate_on_submit():
        return _mentor_page(mentor, interview_form=form, status=422)
    review.record_interview(mentor, current_user, form.held_on.data, form.passed.data, form.notes.data or "")
    flash("Interview recorded.", "success")
    return redirect(url_for("coordinator.review_mentor", mentor_id=mentor.id))


@bp.route("/mentors/<int:mentor_id>/status", methods=["POST"])
@staff_required
def set_mentor_status(mentor_id: int):
    """Approve a fully cleared mentor for matching, or suspend one with a reason."""
    mentor = get_mentor_or_404(mentor_id)
    form = MentorStatusForm()
    if not form.validate_on_submit():
        return _mentor_page(mentor, status_form=form, status=422)
    reason = (form.reason.data or "").strip()
    try:
        if form.action.data == "approve":
            review.approve_mentor(mentor, current_user, reason)
        else:
            review.suspend_mentor(mentor, current_user, reason)
    except review.ReviewRefused as refused:
        form.action.errors.append(str(refused))
        return _mentor_page(mentor, status_form=form, status=422)
    flash(f"{mentor.user.full_name} is now {mentor.status.label.lower()}.", "success")
    return redirect(url_for("coordinator.review_mentor", mentor_id=mentor.id))


# ---------------------------------------------------------------- matching settings and runs


@bp.route("/matching")
@staff_required
def programs():
    """Every active program with its waitlist and latest matching run."""
    return render_template("coordinator/programs.html", rows=queries.program_figures())


@bp.route("/programs/<int:program_id>/matching")
@staff_required
def matching_page(program_id: int):
    """A program's matching settings, its runs, and the latest run's proposals."""
    return _matching_page(db.get_or_404(Program, program_id))


def _matching_page(program: Program, form: SettingsForm | None = None, status: int = 200):
    settings = matching_service.program_settings(program)
    if form is None:
        form = SettingsForm(data=settings)
    run = queries.latest_run(program.id)
    return render_template(
        "coordinator/matching.html", program=program, form=form, run_form=RunForm(),
        settings=settings, defaults=matching_service.default_settings(), runs=queries.recent_runs(program.id),
        rules=RULE_LABELS, pairs=queries.do_not_match_pairs(program.id), lift_form=LiftPairForm(),
        **(_run_context(run) if run else {"run": None}),
    ), status


@bp.route("/programs/<int:program_id>/settings", methods=["POST"])
@staff_required
def save_settings(program_id: int):
    """Store the program's factor weights and rule settings."""
    program = db.get_or_404(Program, program_id)
    form = SettingsForm()
    if not form.validate_on_submit():
        return _matching_page(program, form, 422)
    settings = {key: getattr(form, key).data for key in matching_service.SETTING_KEYS}
    problem = matching_service.check_settings(settings)
    if problem:
        form.weight_interests.errors.append(problem)
        return _matching_page(program, form, 422)
    matching_service.save_settings(program, settings, current_user)
    flash("Matching settings saved; the next run uses them.", "success")
    return redirect(url_for("coordinator.matching_page", program_id=program.id))


@bp.route("/programs/<int:program_id>/runs", methods=["POST"])
@staff_required
def start_run(program_id: int):
    """Start a matching run for the program; it works in the background."""
    program = db.get_or_404(Program, program_id)
    if not RunForm().validate_on_submit():
        abort(400)
    run = matching_service.running_run(program.id) or matching_service.start_run(program, current_user)
    # Hand the run to the queue now rather than after the page is written.
    queue.flush()
    if is_htmx():
        return render_template("coordinator/_run.html", **_run_context(db.session.get(MatchingRun, run.id)))
    return redirect(url_for("coordinator.show_run", run_id=run.id))


def _run_context(run: MatchingRun) -> dict:
    if run.status is not RunStatus.DONE:
        return {"run": run, "elapsed": int((utcnow() - run.started_at).total_seconds())}
    status = _status_arg(ProposalStatus) if "status" in request.args else "pending"
    counts = queries.proposal_counts(run.id)
    # The totals are known already (the counts by status; the run's unmatched figure, fixed when
    # it finished), so neither list pays for a second count of its rows.
    page = queries.proposals_page(run.id, status, _page_arg(), counts[status] if status else sum(counts.values()))
    unmatched = queries.unmatched_page(run.id, _page_arg("upage"), run.unmatched_count)
    return {"run": run, "page": page, "status": status, "counts": counts, "unmatched": unmatched,
            "approve_form": ApproveForm(),
            "latest": figures.cached("run is latest", queries.is_run_latest, run.id, run.program_id)}


def _run_part(run: MatchingRun, template: str = "coordinator/_run.html") -> Markup:
    """The run's section of the page, or only its list of proposals.

    A finished run's part is kept by this server until the next change anywhere (the figures'
    rule, `figures.fragment`): coordinators page through a large run far more often than they
    decide, and each decision is a change that makes it be written again.
    """
    if run.status is not RunStatus.DONE:
        return Markup(render_template(template, **_run_context(run)))
    status = _status_arg(ProposalStatus) if "status" in request.args else "pending"
    key = ("run", template, run.id, status, _page_arg(), _page_arg("upage"), str(get_locale()),
           request.script_root)
    return figures.fragment(key, lambda: render_template(template, **_run_context(run)))


@bp.route("/runs/<int:run_id>")
@staff_required
def show_run(run_id: int):
    """A run's figures, its proposals a page at a time, and the youth it left unmatched."""
    run = queries.run_with_program(run_id) or abort(404)
    if is_htmx() and run.status is RunStatus.DONE:
        return _run_part(run, "coordinator/_proposals.html")
    return render_template("coordinator/run.html", run=run, section=_run_part(run))


@bp.route("/runs/<int:run_id>/status")
@staff_required
def run_status(run_id: int):
    """The run's progress while it works, then its results (polled by the page)."""
    run = db.get_or_404(MatchingRun, run_id)
    if not is_htmx():
        return redirect(url_for("coordinator.show_run", run_id=run.id))
    return _run_part(run)


# ---------------------------------------------------------------- proposals, in place


def _row(proposal: MatchProposal, expanded: bool = False, message: str = "", category: str = "success"):
    """The proposal's row; after a decision, with the run's counts swapped out of band."""
    context = {"p": queries.ProposalView.of(proposal, expanded), "expanded": expanded, "message": message,
               "category": category, "approve_form": ApproveForm()}
    if expanded:
        ids = [a["mentor_id"] for a in proposal.alternatives]
        context.update(alternatives=queries.mentors_by_id(ids), reject_form=RejectForm(),
                       swap_form=SwapForm(), rule_out_form=DoNotMatchForm())
    if request.method == "POST":
        context["oob_counts"] = queries.proposal_counts(proposal.run_id) if proposal.run_id else None
    return render_template("coordinator/_proposal_row.html", **context)


def _after_decision(proposal_id: int, message: str, category: str, expanded: bool = False):
    """The row after a decision, read again (after commit, anything read before is stale)."""
    return _decided(get_proposal_or_404(proposal_id), message, category, expanded)


def _decided(proposal: MatchProposal, message: str, category: str, expanded: bool = False):
    """The proposal's row with the decision's message, or back to the list with it flashed."""
    if is_htmx():
        return _row(proposal, expanded=expanded, message=message, category=category)
    flash(message, category)
    if proposal.run_id:
        return redirect(url_for("coordinator.show_run", run_id=proposal.run_id))
    return redirect(url_for("coordinator.review_application", application_id=proposal.application_id))


@bp.route("/proposals/<int:proposal_id>")
@staff_required
def show_proposal(proposal_id: int):
    """A proposal's row; expanded, its factor breakdown and the youth's top alternatives."""
    proposal = get_proposal_or_404(proposal_id)
    expanded = request.args.get("expanded", "1") == "1"
    if is_htmx():
        return _row(proposal, expanded=expanded)
    return render_template("coordinator/proposal.html", p=queries.ProposalView.of(proposal), expanded=True,
                           alternatives=queries.mentors_by_id([a["mentor_id"] for a in proposal.alternatives]),
                           approve_form=ApproveForm(), reject_form=RejectForm(), swap_form=SwapForm(),
                           rule_out_form=DoNotMatchForm(), message="")


@bp.route("/proposals/<int:proposal_id>/approve", methods=["POST"])
@staff_required
def approve_proposal(proposal_id: int):
    """Approve a proposal after re-checking clearance, capacity, consent and waitlist status."""
    if not ApproveForm().validate_on_submit():
        abort(400)
    try:
        match = decisions.approve(proposal_id, current_user)
    except NoResultFound:
        abort(404)
    except decisions.DecisionRefused as refused:
        return _after_decision(proposal_id, f"Not approved: {refused}", "error")
    # The approval's own proposal, as it committed it: no second read.
    proposal = match.proposal
    return _decided(proposal, f"Approved. {proposal.application.youth.first_name}'s family "
                    "and the mentor have been e-mailed.", "success")


@bp.route("/proposals/<int:proposal_id>/reject", methods=["POST"])
@staff_required
def reject_proposal(proposal_id: int):
    """Reject a proposal with a reason; the youth stays on the waitlist."""
    proposal = get_proposal_or_404(proposal_id)
    form = RejectForm()
    if not form.validate_on_submit():
        message = " ".join(form.reason.errors) or "The form expired; reload the page."
        return _after_decision(proposal.id, message, "error", expanded=True)
    try:
        decisions.reject(proposal, current_user, form.reason.data.strip())
    except decisions.DecisionRefused as refused:
        return _after_decision(proposal.id, str(refused), "error")
    return _after_decision(proposal.id, "Rejected; the youth stays on the waitlist.", "success")


@bp.route("/proposals/<int:proposal_id>/swap", methods=["POST"])
@staff_required
def swap_proposal(proposal_id: int):
    """Point a pending proposal at one of the youth's alternative mentors."""
    proposal = get_proposal_or_404(proposal_id)
    form = SwapForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        decisions.swap(proposal, current_user, form.mentor_id.data)
    except decisions.DecisionRefused as refused:
        return _after_decision(proposal.id, str(refused), "error", expanded=True)
    return _after_decision(proposal.id, "Swapped; approve it when you are ready.", "success", expanded=True)


@bp.route("/proposals/<int:proposal_id>/do-not-match", methods=["POST"])
@staff_required
def rule_out_pair(proposal_id: int):
    """Record that this youth and mentor must never be matched; every later run honours it."""
    proposal = get_proposal_or_404(proposal_id)
    form = DoNotMatchForm()
    if not form.validate_on_submit():
        return _after_decision(proposal.id, " ".join(form.reason.errors) or "Give the reason.", "error",
                               expanded=True)
    decisions.rule_out(proposal.application.youth_id, proposal.mentor_id, form.reason.data.strip(),
                       current_user, proposal)
    return _after_decision(proposal.id, "This pair will never be proposed again.", "success")


@bp.route("/pairs/<int:pair_id>/lift", methods=["POST"])
@staff_required
def lift_pair(pair_id: int):
    """Allow a ruled-out pair again (a mentor the family declined, or a staff rule-out), with a reason."""
    pair = db.get_or_404(DoNotMatch, pair_id)
    form = LiftPairForm()
    if not form.validate_on_submit():
        flash(" ".join(form.reason.errors) or "The form expired; reload the page.", "error")
    else:
        try:
            decisions.lift_pair(pair, current_user, form.reason.data.strip())
        except decisions.DecisionRefused as refused:
            flash(str(refused), "error")
        else:
            flash(f"{pair.youth.full_name} and {pair.mentor.user.full_name} may be proposed again.", "success")
    application = queries.latest_application_of(pair.youth_id)
    if application is None:
        return redirect(url_for("coordinator.programs"))
    return redirect(url_for("coordinator.review_application", application_id=application.id) + "#pairs")


@bp.route("/runs/<int:run_id>/approve", methods=["POST"])
@staff_required
def approve_selected(run_id: int):
    """Approve every selected proposal of a run, each re-checked on its own."""
    run = db.get_or_404(MatchingRun, run_id)
    if not ApproveForm().validate_on_submit():
        abort(400)
    ids = [int(i) for i in request.form.getlist("proposal_ids") if i.isdigit() and len(i) < 10]
    # In the order of the list (best score first), whatever order the database returns them in.
    ids = list(db.session.scalars(sa.select(MatchProposal.id).where(
        MatchProposal.id.in_(ids), MatchProposal.run_id == run.id)
        .order_by(MatchProposal.score.desc(), MatchProposal.id))) if ids else []
    approved, refused = 0, []
    for proposal_id in ids:
        try:
            decisions.approve(proposal_id, current_user)
            approved += 1
        except decisions.DecisionRefused as reason:
            refused.append(str(reason))
    messages = [f"{approved} approved."] + [f"Not approved: {r}" for r in refused]
    if is_htmx():
        return render_template("coordinator/_proposals.html", messages=messages,
                               **_run_context(db.session.get(MatchingRun, run.id)))
    for message in messages:
        flash(message, "success" if message.endswith("approved.") else "error")
    return redirect(url_for("coordinator.show_run", run_id=run.id))


# ---------------------------------------------------------------- unmatched youth


@bp.route("/unmatched/<int:unmatched_id>")
@staff_required
def pick_mentor(unmatched_id: int):
    """Every program mentor scored for one unmatched youth; infeasible ones say which rule excludes them."""
    unmatched = db.get_or_404(UnmatchedYouth, unmatched_id)
    application = get_application_or_404(unmatched.application_id)
    return render_template("coordinator/pick.html", unmatched=unmatched, application=application,
                           candidates=matching_service.candidates_for(application), form=HandPickForm())


@bp.route("/unmatched/<int:unmatched_id>/pick", methods=["POST"])
@staff_required
def hand_pick(unmatched_id: int):
    """Approve a coordinator's own choice of a feasible mentor for an unmatched youth."""
    unmatched = db.get_or_404(UnmatchedYouth, unmatched_id)
    application = get_application_or_404(unmatched.application_id)
    form = HandPickForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        decisions.hand_pick(application, unmatched.run_id, form.mentor_id.data, current_user)
    except decisions.DecisionRefused as refused:
        flash(f"Not approved: {refused}", "error")
        return redirect(url_for("coordinator.pick_mentor", unmatched_id=unmatched_id))
    flash("Approved. The family and the mentor have been e-mailed.", "success")
    return redirect(url_for("coordinator.show_run", run_id=unmatched.run_id))


# ---------------------------------------------------------------- waitlist and audit


@bp.route("/programs/<int:program_id>/waitlist")
@staff_required
def waitlist(program_id: int):
    """The program's waitlist, longest wait first, with filters and median waits by group."""
    program = db.get_or_404(Program, program_id)
    form = WaitlistFilterForm(request.args)
    filters = (_int_arg("age", 120), (form.language.data or "")[:40], (form.gender.data or "")[:20],
               (form.zip_code.data or "")[:10])
    unfiltered = filters[0] is None and not any(filters[1:])
    fairness = figures.cached("fairness", queries.fairness, program.id) if unfiltered or not is_htmx() else None
    page_number = _page_arg()

    def results() -> str:
        # The whole waitlist's size is in the median-wait figures already; only a filtered list is counted.
        total = sum(row["youth"] for row in fairness["gender"]) if unfiltered else None
        page = queries.waitlist_page(program.id, *filters, page=page_number, total=total)
        return render_template("coordinator/_waitlist_results.html", program=program, page=page, now=utcnow())

    # Kept by this server until the next change, like the run's proposals (`figures.fragment`).
    listed = figures.fragment(("waitlist", program.id, *filters, page_number, str(get_locale()),
                               request.script_root), results)
    if is_htmx():
        return listed
    genders = sorted(row["group"] for row in fairness["gender"] if row["group"] != queries.NOT_GIVEN)
    form.gender.choices = choices([("", "Any gender")] + [(g, g) for g in genders])
    return render_template("coordinator/waitlist.html", program=program, form=form, results=listed,
                           fairness=fairness)


@bp.route("/messages/<int:message_id>/retry", methods=["POST"])
@staff_required
def retry_message(message_id: int):
    """Send an e-mail that could not be delivered once more, from its first attempt."""
    message = db.get_or_404(OutboxMessage, message_id)
    if RetryMessageForm().validate_on_submit() and message.status is MessageStatus.FAILED:
        mail.retry(message, current_user)
        flash(f"The e-mail to {message.to_address} is queued again.", "success")
    return redirect(url_for("main.home") + "#failed-messages")


TRAIL_VIEWS = {"applications": "application.audit_trail.view", "matches": "match.audit_trail.view"}


@bp.route("/audit/<any(applications, mentors, matches):object_type>/<int:object_id>")
@staff_required
def audit_trail(object_type: str, object_id: int):
    """Every recorded event on an application, mentor or match, newest first."""
    obj = db.get_or_404(queries.AUDITED[object_type], object_id)
    page = render_template("coordinator/audit.html", obj=obj, object_type=object_type,
                           events=queries.audit_trail(object_type, object_id))
    if object_type in TRAIL_VIEWS:
        # A youth's trail shows the family's names and e-mail, the consent and the meeting details, so
        # reading it is audited like reading the record; this showing is listed from the next one on.
        record_read(current_user, TRAIL_VIEWS[object_type], obj)
        db.session.commit()
    return page
