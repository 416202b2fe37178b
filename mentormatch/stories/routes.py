"""Story pages: the public stories page, each story, its photo and the feed; writing, approving,
publishing and withdrawing."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from mentormatch.access import public, roles_required
from mentormatch.extensions import db
from mentormatch.models import Match, Role, Story, StoryStatus
from mentormatch.stories import bp, photos, service
from mentormatch.stories.forms import StoryButtonForm, StoryForm

writers_required = roles_required(Role.MENTOR, Role.COORDINATOR, Role.ADMIN)
staff_only = roles_required(Role.COORDINATOR, Role.ADMIN)
everyone_involved = roles_required(Role.MENTOR, Role.COORDINATOR, Role.ADMIN, Role.GUARDIAN, Role.YOUTH)
family_required = roles_required(Role.GUARDIAN, Role.YOUTH)


def _fresh(response):
    """Public story pages are never served from a cache, so a withdrawn story is gone at once."""
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.app_template_global()
def story_text(story: Story) -> dict:
    """The story's title and text in the reader's language where translated, with that language."""
    if str(get_locale()) == "es" and story.title_es and story.body_es:
        return {"title": story.title_es, "body": story.body_es, "lang": "es"}
    return {"title": story.title, "body": story.body, "lang": "en"}


def _story_or_404(story_id: int, check=service.may_read) -> Story:
    story = db.get_or_404(Story, story_id)
    if not check(story, current_user if current_user.is_authenticated else None):
        abort(404)
    return story


@bp.route("/")
@public
def index():
    """Published stories, newest first."""
    return _fresh(Response(render_template("stories/index.html", stories=service.published())))


@bp.route("/feed.xml")
@public
def feed():
    """The published stories as an Atom feed."""
    body = render_template("stories/feed.xml", stories=service.published(limit=20))
    return _fresh(Response(body, mimetype="application/atom+xml"))


@bp.route("/<int:story_id>")
@public
def show(story_id: int):
    """One story; before publication, only for those who write, approve or publish it."""
    story = _story_or_404(story_id)
    user = current_user if current_user.is_authenticated else None
    context = {"story": story, "button": StoryButtonForm(formdata=None)}
    if user is not None:
        context.update(approvers=service.approvers(story), approval_role=service.approval_role(story, user),
                       may_edit=service.may_edit(story, user), may_withdraw=service.may_withdraw(story, user),
                       may_write=service.may_write(story.match, user), staff=user.role in service.STAFF)
    return _fresh(Response(render_template("stories/show.html", **context)))


@bp.route("/<int:story_id>/photo.jpg")
@public
def photo(story_id: int):
    """A story's photo: public once the story is published, else for those who may read it."""
    story = _story_or_404(story_id)
    if story.photo is None:
        abort(404)
    return _fresh(Response(story.photo.data, mimetype="image/jpeg"))


@bp.route("/mine")
@everyone_involved
def mine():
    """The stories a person writes, approves or publishes, and the matches they may write about."""
    matches = service.matches_to_write_about(current_user) if current_user.role in (
        Role.MENTOR, Role.COORDINATOR, Role.ADMIN) else []
    return render_template("stories/mine.html", stories=service.stories_for(current_user), matches=matches)


def _edit(story: Story, new: bool):
    form = StoryForm(obj=story) if request.method == "GET" else StoryForm()
    if form.validate_on_submit():
        try:
            picture = photos.clean(form.photo.data.read(photos.MAX_BYTES + 1)) if form.photo.data else None
            service.save(story, current_user, title=form.title.data, body=form.body.data,
                         title_es=form.title_es.data or "", body_es=form.body_es.data or "", photo=picture,
                         remove_photo=form.remove_photo.data)
        except photos.PhotoRefused as refused:
            form.photo.errors = list(form.photo.errors) + [str(refused)]
        except service.StoryRefused as refused:
            form.body.errors = list(form.body.errors) + [str(refused)]
        else:
            flash("The draft is saved. Send it to the family for approval when it is ready.", "success")
            return redirect(url_for("stories.show", story_id=story.id))
    return render_template("stories/form.html", form=form, story=story, new=new), 422 if form.errors else 200


@bp.route("/new/<int:match_id>", methods=["GET", "POST"])
@writers_required
def new(match_id: int):
    """Draft a story about a match (a mentor only about their own)."""
    match = db.get_or_404(Match, match_id)
    if not service.may_write(match, current_user):
        abort(404)
    return _edit(Story(match=match), new=True)


@bp.route("/<int:story_id>/edit", methods=["GET", "POST"])
@writers_required
def edit(story_id: int):
    """Change a draft."""
    return _edit(_story_or_404(story_id, service.may_edit), new=False)


def _act(story: Story, action, done: str):
    if StoryButtonForm().validate_on_submit():
        try:
            action()
        except service.StoryRefused as refused:
            flash(str(refused), "error")
        else:
            flash(done, "success")
    return redirect(url_for("stories.show", story_id=story.id))


@bp.route("/<int:story_id>/ask", methods=["POST"])
@writers_required
def ask_family(story_id: int):
    """Send the draft to the family for approval."""
    story = _story_or_404(story_id, service.may_edit)
    return _act(story, lambda: service.ask_family(story, current_user), "The family is asked to approve the story.")


@bp.route("/<int:story_id>/draft", methods=["POST"])
@writers_required
def back_to_draft(story_id: int):
    """Take a story waiting for approval back to change it; the family approves again."""
    story = _story_or_404(story_id, lambda s, u: service.may_write(s.match, u))
    if story.status is not StoryStatus.AWAITING_APPROVAL:
        abort(404)
    return _act(story, lambda: service.back_to_draft(story, current_user), "The story is a draft again.")


@bp.route("/<int:story_id>/approve", methods=["POST"])
@family_required
def approve(story_id: int):
    """The guardian or the young person approves the story."""
    story = _story_or_404(story_id)
    return _act(story, lambda: service.approve(story, current_user),
                _("Thank you: your approval is recorded. You can still withdraw the story at any time."))


@bp.route("/<int:story_id>/publish", methods=["POST"])
@staff_only
def publish(story_id: int):
    """Publish a story the family approved."""
    story = _story_or_404(story_id)
    if story.status is not StoryStatus.APPROVED:
        flash("Only a story the family approved can be published.", "error")
        return redirect(url_for("stories.show", story_id=story.id))
    return _act(story, lambda: service.publish(story, current_user), "The story is published.")


@bp.route("/<int:story_id>/withdraw", methods=["POST"])
@everyone_involved
def withdraw(story_id: int):
    """Withdraw the story: it leaves every page and the feed at once."""
    story = _story_or_404(story_id, lambda s, u: s.status is not StoryStatus.WITHDRAWN and service.may_withdraw(s, u))
    return _act(story, lambda: service.withdraw(story, current_user),
                _("The story is withdrawn and no longer shown anywhere."))
