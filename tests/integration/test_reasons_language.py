"""Reasons are written from their codes in the reader's language, the learned model's included."""
from __future__ import annotations

import pytest
from flask_babel import force_locale

from mentormatch.reasons import reason_text

pytestmark = pytest.mark.usefixtures("compiled_translations")


@pytest.mark.parametrize("reason, english, spanish", [
    ({"code": "interests.shared", "data": {"shared": ["K9", "robotics"]}},
     "Both into K9 (police dogs) and robotics", "A los dos les interesa: K9 (perros policía) y robótica"),
    ({"code": "distance.miles", "data": {"miles": 3.3}}, "3.3 miles apart", "A 3.3 millas de distancia"),
    ({"code": "learned.track_record", "data": {"lasted": 3, "closed_early": 1, "parts": {}}},
     "3 of the mentor's matches in this program lasted a year; 1 closed early",
     "3 de las mentorías de este mentor en el programa duraron un año; 1 terminó antes de tiempo"),
    ({"code": "learned.waiting", "data": {"days": 1, "parts": {}}}, "Waited 1 day", "Esperó 1 día"),
    ({"code": "legacy", "text": "Both into robotics"}, "Both into robotics", "Both into robotics"),
])
def test_a_reason_reads_in_the_viewers_language(app, reason, english, spanish):
    with app.test_request_context():
        with force_locale("en"):
            assert reason_text(reason) == english
        with force_locale("es"):
            assert reason_text(reason) == spanish
