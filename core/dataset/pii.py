"""Personal data in training text: e-mails, phone numbers, CPF, CNPJ and payment cards.

Support logs, the course's own use case, are full of them, and a fine-tuned model can repeat what it
saw (LGPD in Brazil and the GDPR treat that as processing personal data; providers' policies ask
you not to upload it). Numbers are flagged only when they are what they look like: CPF and CNPJ when
their two check digits are right, cards when the Luhn check passes, phones when written as phones
(area code in parentheses or followed by a space, a +country prefix, a hyphen before the last four
digits). A number that fails its check digit is not personal data and is not flagged, nor is a
role account such as ajuda@ or privacy@.

Speed: one e-mail regex, run only on texts holding "@", and one scan for runs of at least 8 digits
(skipped when the line has fewer: scan.py counts them with bytes.translate, ~2 ns a byte); the
precise patterns run on those runs only.
"""
from __future__ import annotations

import re

KINDS = ("email", "phone", "cpf", "cnpj", "card")
MASKS = {"email": "[EMAIL]", "phone": "[PHONE]", "cpf": "[CPF]", "cnpj": "[CNPJ]", "card": "[CARD]"}

# Role accounts (a department, not a person: ajuda@, privacy@...) are not personal data.
ROLE_ACCOUNTS = frozenset("""ajuda suporte support help contato contact info informacoes privacidade privacy sac
atendimento vendas sales noreply no-reply naoresponda financeiro billing faturamento comercial admin dpo
ouvidoria rh hr jobs careers vagas imprensa press marketing""".split())
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# ASCII digits only (re.ASCII: faster, and the check digits below read 0-9 only).
# at least 8 digits, at most 2 separators between two of them: every number below has that shape
RUN = re.compile(r"\d(?:[ .()/+-]{0,2}\d){7,}", re.ASCII)
CPF = re.compile(r"(?<!\d)\d{3}\.?\d{3}\.?\d{3}-?\d{2}(?!\d)", re.ASCII)
CNPJ = re.compile(r"(?<!\d)\d{2}\.?\d{3}\.?\d{3}/?\d{4}-?\d{2}(?!\d)", re.ASCII)
# cards start with 2-6 (Mastercard 2/5, Amex 34/37, Visa 4, others 6); never right after a decimal point
CARD = re.compile(r"(?<![\d.,])(?:[2-6]\d{3}([ -]?)\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?|3[47]\d{2}([ -]?)\d{6}\2\d{5})(?!\d)", re.ASCII)
PHONE_BR = re.compile(r"(?<![\d+])(?:\+55[ -]?)?(?:\([1-9]{2}\)[ -]?|[1-9]{2}[ -])9?\d{4}[ -]?\d{4}(?!\d)"
                      r"|(?<![\d+])\+55[ -]?[1-9]{2}9?\d{4}-?\d{4}(?!\d)"
                      r"|(?<![\d+])\(?[1-9]{2}\)?[ -]?9?\d{4}-\d{4}(?!\d)", re.ASCII)
PHONE_INTL = re.compile(r"\+[1-9]\d{0,2}(?:[ -]?\(?\d{1,4}\)?){2,5}(?!\d)", re.ASCII)


def _digits(text: str) -> list[int]:
    return [ord(c) - 48 for c in text if "0" <= c <= "9"]


def cpf_valid(text: str) -> bool:
    """The CPF's two check digits (mod 11, weights 10..2 then 11..2); 111.111.111-11 and the like
    pass the arithmetic but are not issued."""
    d = _digits(text)
    if len(d) != 11 or len(set(d)) == 1:
        return False
    for n in (9, 10):
        check = sum(v * w for v, w in zip(d[:n], range(n + 1, 1, -1))) * 10 % 11 % 10
        if check != d[n]:
            return False
    return True


def cnpj_valid(text: str) -> bool:
    """The CNPJ's two check digits (mod 11, weights 5..2,9..2 then 6..2,9..2)."""
    d = _digits(text)
    if len(d) != 14 or len(set(d)) == 1:
        return False
    for n, weights in ((12, (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)), (13, (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2))):
        rest = sum(v * w for v, w in zip(d[:n], weights)) % 11
        if (0 if rest < 2 else 11 - rest) != d[n]:
            return False
    return True


def luhn_valid(text: str) -> bool:
    d = _digits(text)
    if not 13 <= len(d) <= 19:
        return False
    total = 0
    for i, v in enumerate(reversed(d)):
        if i % 2:
            v *= 2
            v -= 9 if v > 9 else 0
        total += v
    return total % 10 == 0


def _personal_br_phone(match: str) -> bool:
    """Brazil's capital-wide business numbers (4000-, 4003-, 4004-, 4020-, 3003-, 3004-xxxx: Anatel's
    non-geographic "números únicos") belong to companies, never to a person."""
    local = "".join(str(d) for d in _digits(match)[-8:])
    return not (local[:3] in ("400", "300") or local[:4] == "4020")


def _intl_ok(match: str) -> bool:
    return not match.startswith("+55") and 8 <= len(_digits(match)) <= 15  # E.164: at most 15 digits


# kind -> (pattern, check on the matched text); the order decides which kind a number is
_NUMBERS = (("cnpj", CNPJ, cnpj_valid), ("cpf", CPF, cpf_valid), ("card", CARD, luhn_valid),
            ("phone", PHONE_BR, _personal_br_phone), ("phone", PHONE_INTL, _intl_ok))


def find_pii(text: str, numbers: bool = True) -> list[tuple[str, int, int]]:
    """(kind, start, end) of every piece of personal data in `text`, in order, not overlapping.
    numbers=False skips the number scan (the caller knows the text has fewer than 8 digits)."""
    found: list[tuple[str, int, int]] = []
    if "@" in text:
        found.extend(("email", m.start(), m.end()) for m in EMAIL.finditer(text)
                     if m.group().split("@", 1)[0].lower() not in ROLE_ACCOUNTS)
    for run in RUN.finditer(text) if numbers else ():
        start = run.start()
        if start and text[start - 1] in "+(":  # the run starts at the first digit: take "+55" or "(11"
            start -= 1
        piece = text[start:run.end()]
        taken: list[tuple[int, int]] = []
        for kind, pattern, check in _NUMBERS:
            for m in pattern.finditer(piece):
                a, b = m.start(), m.end()
                if any(a < y and x < b for x, y in taken) or (check is not None and not check(m.group())):
                    continue
                taken.append((a, b))
                found.append((kind, start + a, start + b))
    found.sort(key=lambda item: item[1])
    return found


def mask_pii(text: str, keep: set[int] | frozenset[int] = frozenset()) -> str:
    """`text` with each piece of personal data replaced by its placeholder ("[EMAIL]", "[CPF]"...),
    except values whose hash() is in `keep` (the organisation's own contacts, see inspector.py)."""
    found = find_pii(text)
    if not found:
        return text
    out, last = [], 0
    for kind, start, end in found:
        if start < last or hash(text[start:end]) in keep:
            continue
        out.append(text[last:start])
        out.append(MASKS[kind])
        last = end
    out.append(text[last:])
    return "".join(out)


def preview(kind: str, value: str) -> str:
    """A hint of what was found without repeating it: "an…@example.com", "•••-09"."""
    if kind == "email":
        local, _, domain = value.partition("@")
        return f"{local[:2]}…@{domain}"
    return "•••" + "".join(str(d) for d in _digits(value)[-2:])
