"""Form attributes: the faster renderer writes exactly what WTForms writes."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup
from wtforms import Form, SelectChoice, SelectField, StringField

from mentormatch import formkit

NAMES = st.sampled_from(["id", "name", "type", "value", "class_", "for_", "data_hx_post", "aria_describedby",
                         "required", "checked", "placeholder", "x", "on<click>", "a&b"])
VALUES = st.one_of(st.booleans(), st.none(), st.integers(), st.text(max_size=30),
                   st.text(alphabet='<>&"\' aé', max_size=12).map(Markup))


@given(st.dictionaries(NAMES, VALUES, max_size=8))
def test_attributes_are_written_as_wtforms_writes_them(attributes):
    ours = formkit.html_params(**attributes)
    assert isinstance(ours, Markup)
    assert ours == formkit.WTFORMS_HTML_PARAMS(**attributes)


def test_a_rendered_form_escapes_what_a_person_typed():
    formkit.use_fast_html_params()

    class Sample(Form):
        name = StringField()
        pick = SelectField(choices=[SelectChoice("a", 'Say "hi" & <go>'), SelectChoice("b", "B")])

    form = Sample(data={"name": '"><script>alert(1)</script>', "pick": "a"})
    assert str(form.name(class_="wide", required=True, disabled=False)) == (
        '<input class="wide" id="name" name="name" required type="text" '
        'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">')
    assert '<option selected value="a">Say &#34;hi&#34; &amp; &lt;go&gt;</option>' in str(form.pick())
