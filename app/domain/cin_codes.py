"""The DfE Children in Need (CIN) census code lists.

The lists come from app/data/cin_census_codes.csv, a verbatim copy of the DfE
list taken from the 2024 CIN census XML schema, with the columns
``list,code,label``. List names are the file's: gender, ethnicity,
disability, referral_source, assessment_factor, category_of_abuse,
primary_need and reason_for_closure. Codes are case-sensitive, as in the
census return.
"""

import csv
import re
from functools import cache
from pathlib import Path

CSV_PATH = Path(__file__).resolve().parent.parent / "data" / "cin_census_codes.csv"


@cache
def _code_lists() -> dict[str, dict[str, str]]:
    """Each list's labels by code, in file order; read once per process."""
    lists: dict[str, dict[str, str]] = {}
    with CSV_PATH.open(encoding="utf-8-sig", newline="") as census_file:
        for row in csv.DictReader(census_file):
            lists.setdefault(row["list"], {})[row["code"]] = row["label"]
    return lists


def _code_list(list_name: str) -> dict[str, str]:
    try:
        return _code_lists()[list_name]
    except KeyError:
        known = ", ".join(sorted(_code_lists()))
        message = f"No CIN census code list called {list_name!r}; the lists are: {known}"
        raise KeyError(message) from None


def list_names() -> list[str]:
    """The names of the code lists, in file order."""
    return list(_code_lists())


def codes(list_name: str) -> list[tuple[str, str]]:
    """The list's (code, label) pairs, in the order the DfE gives them."""
    return list(_code_list(list_name).items())


def label(list_name: str, code: str) -> str:
    """The DfE label for ``code``; raises KeyError for a code not in the list."""
    labels = _code_list(list_name)
    try:
        return labels[code]
    except KeyError:
        message = f"{code!r} is not a code in the CIN census {list_name!r} list"
        raise KeyError(message) from None


def is_valid(list_name: str, code: str) -> bool:
    """Whether ``code`` is in the list; raises KeyError if there is no such list."""
    return code in _code_list(list_name)


#: Census abbreviations spelt out when a label is put into sentence case.
_SPELT_OUT = {"LA": "local authority"}
#: A referral source's group, in capitals, then its detail: "HEALTH SERVICES – health visitor".
_GROUP_AND_DETAIL = re.compile(r"(?P<group>[A-Z][A-Z ]*?)(?: [–-] (?P<detail>.+))?")


def sentence_case(list_name: str, code: str) -> str:
    """The DfE label as people read it: the census writes some groups in capitals
    ("HEALTH SERVICES – health visitor", "LA SERVICES – early help"); this gives
    "Health services – health visitor" and "Local authority services – early help".
    A label with no capitals group is returned as it is."""
    words = label(list_name, code)
    match = _GROUP_AND_DETAIL.fullmatch(words)
    if not match:
        return words
    group = " ".join(_SPELT_OUT.get(word, word.lower()) for word in match["group"].split())
    group = group[0].upper() + group[1:]
    return f"{group} – {match['detail']}" if match["detail"] else group
