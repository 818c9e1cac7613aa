"""Where to turn when a lesson stirs up more than a learner can carry: the numbers, kept in
one place for the lesson pages, the help page (`/hulp`) and every lesson email.

A number is shown as people dial it and linked as `tel:` without dashes, so a phone rings
the right line from a tap. The words around them live in the templates (Babel).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Number:
    shown: str  # as printed: "0800-0113"
    dial: str  # the `tel:` target: "08000113"

    @property
    def tel(self) -> str:
        return f"tel:{self.dial}"


@dataclass(frozen=True)
class CareNumbers:
    crisis: Number  # 113 Zelfmoordpreventie, day and night
    crisis_free: Number  # the same line, free of charge
    crisis_chat: str  # 113's chat, on its site
    emergency: Number  # direct danger
    belgium: Number  # the Zelfmoordlijn in Belgium
    belgium_site: str
    abuse: Number  # Veilig Thuis: belittled, threatened or hurt at home
    belgium_abuse: Number  # its Belgian counterpart, 1712


NUMBERS = CareNumbers(
    crisis=Number("113", "113"),
    crisis_free=Number("0800-0113", "08000113"),
    crisis_chat="https://www.113.nl",
    emergency=Number("112", "112"),
    belgium=Number("1813", "1813"),
    belgium_site="https://www.zelfmoord1813.be",
    abuse=Number("0800-2000", "08002000"),
    belgium_abuse=Number("1712", "1712"),
)
