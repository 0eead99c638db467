"""Which file column feeds which influencer field: auto-detected from common header names, overridable."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

from greenroom.errors import GreenroomError
from outreach.core.influencer import FIELDS, PLATFORMS

IGNORE = "-"

#: Folded header (see :func:`_fold`: no accents, case, spaces or punctuation) → field, in English, French,
#: German, Spanish and Italian.
_SYNONYMS = {
    "name": ("name", "fullname", "influencer", "creator", "contact", "contactname", "displayname", "person",
             "nom", "nomcomplet", "createur", "createurice", "vollername", "nombre", "nombrecompleto", "nome",
             "nomecompleto", "creador", "creatore"),
    "email": ("email", "emails", "mail", "emailaddress", "emailaddresses", "contactemail", "businessemail",
              "courriel", "adressecourriel", "adresseemail", "adressemail", "emailadresse", "mailadresse",
              "correo", "correoelectronico", "posta", "postaelettronica", "indirizzoemail"),
    "niches": ("niche", "niches", "tags", "tag", "category", "categories", "topic", "topics", "theme", "themes",
               "categorie", "categories", "thematique", "nische", "nischen", "kategorie", "kategorien", "thema",
               "themen", "nicho", "categoria", "tematica", "etiquetas", "etichette"),
    "youtube": ("youtube", "youtubechannel", "youtubechannelid", "youtubeid", "channelid", "yt", "ytchannel",
                "chaineyoutube", "chaine", "youtubekanal", "kanal", "canal", "canalyoutube", "canaleyoutube",
                "canale"),
    "twitch": ("twitch", "twitchlogin", "twitchchannel", "twitchname", "chainetwitch", "twitchkanal",
               "canaltwitch", "canaletwitch"),
    "instagram": ("instagram", "ig", "insta"),
    "tiktok": ("tiktok",),
    "x": ("x", "twitter", "xtwitter", "twitterx"),
    "website": ("website", "site", "web", "homepage", "blog", "url", "websiteurl", "siteweb", "siteinternet",
                "webseite", "internetseite", "homepage", "sitioweb", "paginaweb", "sitoweb"),
    "country": ("country", "countrycode", "pays", "land", "pais", "paese", "nazione"),
    "language": ("language", "lang", "locale", "langue", "sprache", "idioma", "lingua"),
    "timezone": ("timezone", "tz", "zone", "fuseauhoraire", "zeitzone", "zonahoraria", "fusoorario"),
    "owner": ("owner", "assignee", "assignedto", "accountowner", "ownedby", "manager", "responsable",
              "proprietaire", "verantwortlich", "zustandig", "betreuer", "responsabile"),
    "stage": ("stage", "status", "pipelinestage", "pipeline", "statut", "etape", "phase", "estado", "stato",
              "fase"),
    "kind": ("kind", "type", "typ", "tipo"),
    "notes": ("notes", "note", "comments", "comment", "remarks", "remarques", "commentaire", "commentaires",
              "bemerkung", "bemerkungen", "notiz", "notizen", "kommentar", "notas", "comentarios", "commenti"),
    "followers": ("followers", "subscribers", "subs", "audience", "followercount", "subscribercount",
                  "totalfollowers", "reach", "abonnes", "nombredabonnes", "nbabonnes", "nbdabonnes", "follower",
                  "abonnenten", "fans", "reichweite", "seguidores", "suscriptores", "iscritti"),
}
#: Columns that feed named custom fields: the ones templates greet with (``influencer.first_name`` and
#: ``nickname``) and the city, so ``Ville``/``Stadt`` land in one ``custom.city`` whatever the language.
_CUSTOM_SYNONYMS = {
    "custom.first_name": ("firstname", "givenname", "first", "forename", "prenom", "vorname", "nombredepila",
                          "nomedibattesimo"),
    "custom.nickname": ("nickname", "nick", "preferredname", "callname", "surnom", "spitzname", "apodo", "pseudo",
                        "pseudonyme", "alias", "soprannome"),
    "custom.city": ("city", "town", "ville", "stadt", "ort", "wohnort", "ciudad", "citta", "localite"),
}
_LOOKUP = {synonym: field for field, synonyms in (*_SYNONYMS.items(), *_CUSTOM_SYNONYMS.items())
           for synonym in synonyms}
#: Columns of `outreach influencers export` that an import recomputes rather than reads.
_EXPORT_ONLY = {"id", "growth7d", "growth30d", "lastcontactedat", "createdat", "updatedat", "handedited"}
_SUFFIXES = ("url", "link", "handle", "username", "login", "profile", "account", "name", "id", "kanal", "konto",
             "profil", "lien")
#: "Chaîne YouTube", "Compte Instagram", "Lien TikTok", "Perfil de Instagram": words before a platform name.
_PREFIXES = ("chaine", "compte", "lien", "profil", "lienvers", "kanal", "konto", "canal", "cuenta", "perfil",
             "perfilde", "cuentade", "account", "profile", "link", "url")


def _fold(header: str) -> str:
    """``"Chaîne  YouTube"`` → ``chaineyoutube``: accents, case, spaces and punctuation do not matter."""
    decomposed = unicodedata.normalize("NFKD", header.casefold())
    return re.sub(r"[^a-z0-9]", "", "".join(char for char in decomposed if not unicodedata.combining(char)))


def detect_field(header: str) -> str | None:
    """``"E-mail"`` → email, ``"YouTube URL"`` → youtube, ``"Twitter handle"`` → x; None when unknown.

    Columns written by our own export but computed here (id, growth, timestamps) map to ``-`` (ignored)."""
    folded = _fold(header)
    if folded in _EXPORT_ONLY:
        return IGNORE
    if folded in _LOOKUP:
        return _LOOKUP[folded]
    for suffix in _SUFFIXES:
        if folded.endswith(suffix) and folded[: -len(suffix)] in _LOOKUP:
            return _LOOKUP[folded[: -len(suffix)]]
    for prefix in _PREFIXES:
        platform = _LOOKUP.get(folded[len(prefix):]) if folded.startswith(prefix) else None
        if platform in PLATFORMS:
            return platform
    return None


def parse_overrides(pairs: Iterable[str], source: str) -> dict[str, str]:
    """``--map "Channel=youtube"`` options → header → field (``-`` ignores the column)."""
    overrides: dict[str, str] = {}
    for pair in pairs:
        column, separator, target = pair.partition("=")
        column, target = column.strip(), target.strip()
        if not separator or not column or not target:
            raise GreenroomError(f"{source}: --map {pair!r} must look like COLUMN=FIELD")
        if target != IGNORE and target not in FIELDS and not target.startswith("custom."):
            raise GreenroomError(
                f"{source}: --map {pair!r}: unknown field {target!r} "
                f"(known: {', '.join(FIELDS)}, custom.KEY, or - to ignore)")
        overrides[column] = target
    return overrides


def map_columns(headers: Sequence[str], overrides: Mapping[str, str], source: str) -> dict[str, str]:
    """Header → field for every column; unknown headers become ``custom.<header>``, ``-`` drops a column.

    Several columns may feed ``email`` or ``niches`` (they are combined); any other field twice is an error.
    """
    unknown = [column for column in overrides if column not in headers]
    if unknown:
        raise GreenroomError(f"{source}: --map names a column the file does not have: {', '.join(unknown)} "
                             f"(columns: {', '.join(headers)})")
    mapping: dict[str, str] = {}
    for header in headers:
        if not header.strip():
            continue
        target = overrides.get(header)
        if target is None and header.startswith("custom."):
            target = header
        target = target or detect_field(header) or f"custom.{header.strip()}"
        if target != IGNORE:
            mapping[header] = target
    seen: dict[str, str] = {}
    for header, target in mapping.items():
        if target in seen and target not in ("email", "niches"):
            raise GreenroomError(
                f"{source}: columns {seen[target]!r} and {header!r} both map to {target}; "
                f"use --map \"{header}=-\" to ignore one")
        seen[target] = header
    return mapping
