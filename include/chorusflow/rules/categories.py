"""A public buyer's category from its legal form, when no buyer profile gives it.

Chorus Pro's structure directory says only whether a structure is public or private
(``structurePriveePublique``). The legal form is INSEE's ``categorieJuridique``, which Chorus Pro
relays through ``transverses/v1/consulter/information/siret`` (docs/buyer-profiles.md, "Category
from the directory"). Only the forms whose category is certain are mapped; any other leaves the
buyer on the fallback period, as before.
"""

from __future__ import annotations

from chorusflow.sync.payment_clock import BuyerCategory

#: INSEE legal-form codes (nomenclature des catégories juridiques, level III) of a public hospital.
HOSPITAL_FORMS = frozenset({"7364"})  # Établissement d'hospitalisation (établissement public de santé)


def category_of_legal_form(code: str | None) -> BuyerCategory | None:
    """The buyer category of an INSEE legal-form code (``7364``, ``7210``…), None when not certain.

    71xx is the State's administration, 72xx a local authority, 7364 a public hospital. Public
    companies are left out: a legal form alone does not say whether a body is a public undertaking
    of ordonnance 2004-503 or a local public body (R2192-11).
    """
    form = (code or "").strip()[:4]
    if len(form) != 4 or not form.isdigit():
        return None
    if form in HOSPITAL_FORMS:
        return BuyerCategory.PUBLIC_HOSPITAL
    if form.startswith("71"):
        return BuyerCategory.STATE
    if form.startswith("72"):
        return BuyerCategory.LOCAL_AUTHORITY
    return None
