"""What a person means by their reply: interested, declined, opt-out, out-of-office, or just a reply.

Pure: plain strings in, an :class:`Intent` out. The text is what :func:`outreach.mail.reading.visible_text`
returns (the person's own words, no quoted history). Phrases are matched in English, French, German,
Spanish, Italian and Portuguese, on a lower-cased, accent-folded copy (people type "desinscrire" too).

The rule that decides every close call: never guess in the direction that silences or annoys a person.
- An opt-out phrase wins over everything else, unless it is negated ("please don't remove me"); when it is
  only hinted at, asked about, contradicted by an interested phrase, or inside an automatic reply, it is
  still reported as ``opt_out`` but with ``confident=False``: sending is held and a human decides.
- Interested and declined in the same text, an automatic reply that is not an out-of-office, or no words
  at all: ``unknown``, not confident.
- An out-of-office's return date: "back on X" is X, "until X" is the day after; a numeric date that reads
  both ways (3/4) is taken as the later reading, so the pause is never too short.

Dates are parsed by a small bounded parser here rather than ``dateparser``: only a handful of shapes occur
in auto-replies, dateparser brings regex + tzlocal + a large language data set and guesses freely from
any number in the text ("call me at 10" is a date to it), and a core must stay pure and predictable.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

#: Only this much text is classified: the decision is in the first paragraphs.
MAX_TEXT_CHARS = 8_000


class IntentKind(StrEnum):
    REPLY = "reply"
    INTERESTED = "interested"
    DECLINED = "declined"
    OPT_OUT = "opt_out"
    OUT_OF_OFFICE = "out_of_office"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Intent:
    """The reading of one reply. ``confident=False`` means a human should look before anything is final."""

    kind: IntentKind
    confident: bool
    return_date: date | None
    reason: str


def _fold(text: str) -> str:
    """Lower case, accents removed, typographic apostrophes and dashes made plain, whitespace collapsed."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(character for character in text if not unicodedata.combining(character))
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'").replace("\u00b4", "'")
    text = re.sub(r"[\u2010-\u2015]", "-", text)
    return re.sub(r"\s+", " ", text).strip()


def _compile(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


# --- Opt-out -------------------------------------------------------------------------------------------
_OPT_OUT = _compile(
    # English
    r"\bunsubscrib\w*", r"\bopt(?:ing)?[- ]?out\b", r"\bremove (?:me|my (?:e-?mail|address|name|details))\b",
    r"\btake me off\b", r"\btake my (?:e-?mail|address|name) off\b", r"\bdelete (?:me|my (?:e-?mail|address|data|details))\b",
    r"\bstop (?:e-?mailing|emailing|mailing|contacting|sending|writing|messaging)\b",
    r"\b(?:do not|don't|dont|never|please don't) (?:e-?mail|contact|write to|message) me\b",
    r"\bno (?:more|further) (?:e-?mails?|emails|messages|contact|mails)\b",
    r"\b(?:don't|do not) want (?:to receive |to get |any )?(?:more |further |these |your |any )?(?:e-?mails|emails|messages|mails)\b",
    r"^stop[,.!]", r"\bleave me (?:alone|off)\b", r"\boff (?:your|the) (?:mailing )?list\b", r"\bunsub\b", r"\bopt (?:me|us) out\b",
    r"\b(?:be |get |being )?removed from (?:your|the|this|all|any)\b", r"\bremove (?:us|this address|this e-?mail)\b",
    r"\btake us off\b", r"\b(?:do not|don't|dont|please don't|never) send (?:me|us) (?:any )?(?:more|further|these|this|"
    r"your|another|e-?mails?|messages?)\b", r"\b(?:do not|don't|no longer) (?:wish|want) to (?:receive|hear|be contacted)\b",
    r"\bdelete my (?:contact|personal)\b", r"\bnot (?:e-?mail|contact|write to|message) (?:me|us) (?:again|anymore|any more)\b", r"\bwant out\b", r"\bout of (?:this|your|the) (?:mailing )?list\b",
    # French
    r"\bne plus (?:me )?(?:contacter|ecrire|envoyer|solliciter|recevoir)\b",
    r"\bne (?:me )?(?:contactez|ecrivez|envoyez) plus\b", r"\bretirez[- ]moi\b", r"\bretirer (?:mon|mes) (?:adresse|e-?mail|nom|coordonnees)\b",
    r"\bdesinscri\w*", r"\bdesabonn\w*", r"\bsupprimez[- ]moi\b", r"\brayez[- ]moi\b",
    r"\bje ne (?:veux|souhaite|desire) plus (?:recevoir|etre contacte\w*|etre sollicite\w*)\b",
    r"\betre retire\w* de\b", r"\bme (?:retirer|desinscrire|supprimer|rayer|enlever) de\b", r"\bne m'(?:ecrivez|envoyez|contactez) plus\b",
    r"\bsupprime[rz] (?:mon|mes|ma) (?:adresse|e-?mail|coordonnees|donnees|contact)\b", r"\barretez de m'(?:ecrire|envoyer|contacter)\b",
    # German
    r"\bkeine (?:e-?mails?|mails?|nachrichten|werbung|kontaktaufnahme) mehr\b", r"\babmelden\b", r"\bmelden sie mich ab\b",
    r"\babbestell\w*", r"\baustragen\b", r"\btragen sie mich (?:bitte )?aus\b", r"\bentfernen sie (?:mich|meine)\b",
    r"\bnicht mehr (?:kontaktieren|anschreiben|schreiben|e-?mailen|mailen)\b", r"\bloschen sie (?:mich|meine)\b",
    r"\bschreiben sie mir nicht mehr\b", r"\baus (?:dem|ihrem|eurem|deinem|ihren) verteiler\b",
    r"\bkeine weiteren (?:e-?mails?|mails?|nachrichten)\b", r"\bstreichen sie mich\b",
    r"\b(?:von|aus) (?:ihrer|eurer|deiner|der) (?:mailing|verteiler)?liste (?:streichen|nehmen|entfernen|loschen)\b", r"\bkontaktieren sie mich nicht mehr\b",
    # Spanish
    r"\bdar(?:se|me)? de baja\b", r"\bdame de baja\b", r"\bme (?:das|des|den|dan|dais) de baja\b", r"\bdenme de baja\b", r"\bbaja de (?:la|su|tu|esta) lista\b",
    r"\bno me (?:escribas|escriban|contactes|contacten|envies|envien|mandes|manden) mas\b",
    r"\bno quiero recibir\b", r"\bdejen de (?:escribirme|enviarme|contactarme|mandarme)\b",
    r"\bdeja de (?:escribirme|enviarme|contactarme|mandarme)\b", r"\b(?:borrame|borrenme|eliminame|eliminenme|quitame|quitenme)\b",
    r"\bcancelar (?:la|mi) suscripcion\b", r"\bdesuscrib\w*", r"\b(?:saquenme|sacame|sacadme|eliminadme|borradme|quitadme)\b",
    r"\bque me (?:eliminen|borren|quiten|saquen|den de baja)\b",
    r"\b(?:eliminar|borrar|quitar|eliminen|borren|quiten) mi (?:correo|direccion|e-?mail|contacto|datos)\b",
    # Italian
    r"\bcancellami\b", r"\bcancellatemi\b", r"\bcancellarmi\b", r"\brimuovermi\b", r"\brimuovimi\b", r"\brimuovetemi\b", r"\btoglietemi\b", r"\btoglimi\b",
    r"\bnon (?:scrivermi|contattarmi|scrivetemi|contattatemi|mandarmi|inviarmi) piu\b",
    r"\bnon (?:voglio|desidero) (?:piu )?ricevere\b", r"\bdisiscriv\w*", r"\bannulla(?:re)? (?:l'|la )?iscrizione\b",
    r"\bsmett(?:ete|i|a) di (?:scrivermi|contattarmi|inviarmi|mandarmi)\b",
    r"\b(?:eliminate|cancellate|rimuovete) (?:il mio|la mia|i miei) (?:indirizzo|e-?mail|contatto|dati)\b",
    # Portuguese
    r"\bdescadastr\w*", r"\bnao quero (?:mais )?receber\b", r"\bparem de (?:me )?(?:enviar|mandar|escrever|contatar)\b",
    r"\bpare de (?:me )?(?:enviar|mandar|escrever|contatar)\b", r"\bremov(?:a|am|er) (?:o )?meu (?:e-?mail|endereco|nome|contato)\b",
    r"\bcancelar (?:a |minha )?inscricao\b", r"\bnao me (?:envie|enviem|mande|mandem|escreva|escrevam|contate|contatem) mais\b",
    r"\bme (?:tire|tirem|remova|removam) da (?:lista|sua lista)\b", r"\b(?:remova|retire|tire|removam)-me\b",
    r"\bnao (?:desejo|quero) (?:mais )?receber\b", r"\bser (?:removid|retirad|excluid|descadastrad)[oa]\b",
    r"\b(?:retirem|retire|removam|remova|tirem|tire|excluam|exclua|excluir|apaguem|apague|remover|retirar) (?:o )?"
    r"meu (?:e-?mail|endereco|nome|contato|cadastro)\b",
)
#: A whole message that is just this word: the SMS-style opt-out.
_OPT_OUT_ALONE = re.compile(r"^(?:stop|stopp|arret|arrete|basta|pare|parar|alto|remove|desinscription|baja)[.!]*$")
#: Hints that someone does not want this mail, too vague to act on alone: opt-out, not confident.
_OPT_OUT_HINT = _compile(
    r"\bspam\b", r"\bhow did you get my (?:e-?mail|address|contact)", r"\bwho gave you my\b", r"\bgdpr\b",
    r"\brgpd\b", r"\bdsgvo\b", r"\bnever (?:signed|subscribed|opted in|agreed)\b", r"\bplease stop\b", r"\bstop this\b",
    r"\bcomment avez-vous (?:eu|obtenu) mon\b", r"\bwoher haben sie meine\b", r"\bno me interesa(?:n)? (?:sus|tus) (?:correos|e-?mails)\b",
    r"\bnot (?:interested in )?(?:receiving|getting) (?:any )?(?:more )?(?:e-?mails|emails|these)\b",
    r"\bwidersprech\w*", r"\bwiderspruch\b", r"\bwho are you\b",
    # A removal verb near a list word, in any of the six languages: probably an opt-out phrased our way.
    r"\b(?:remov\w*|take (?:me|us|my|our)|delet\w*|retir\w*|supprim\w*|enlev\w*|entfern\w*|streich\w*|losch\w*|"
    r"elimin\w*|borr[ae]\w*|rimuov\w*|togli\w*|cancell\w*|exclu[ai]\w*|apag\w*)\b[^.!?]{0,40}"
    r"\b(?:list|liste|lista|verteiler|mailing|newsletter)\w*",
)
#: "remove me" / "take me off" aimed at something other than our list ("remove me from the Tuesday slot").
_PERSONAL = re.compile(r"^(?:remove me|take me off|delete me|take us off|remove us)$")
_FROM_WHAT = re.compile(r"^ (?:from|off) (?:the |your |this |that |my |our |all |any )?(?:[\w-]+ )?([\w-]+)")
_OUR_LIST = re.compile(r"^(?:lists?|mailing|mailings|database|distribution|e-?mails?|mails?|newsletters?|contacts?|crm|"
                       r"system|records?|files?|outreach|campaigns?|address(?:es)?|book|spam|marketing|messages?|"
                       r"correspondence)$")
#: Negators that, right before an opt-out phrase and with only filler words between, undo it.
_NEGATED_BEFORE = re.compile(
    r"(?:\b(?:don't|dont|do not|never|no need to|not|won't|wouldn't|shouldn't|please don't|"
    r"ne|ne pas|pas|pas besoin de|n'|nicht|bitte nicht|kein(?:e|en)?|no|non|nao|nunca|jamais|mai)"
    r"(?: (?:please|want|wish|need|want to|veux|souhaite|voglio|quero|quiero|will|mochte|you|to|ever|me|m'|"
    r"go|ahead|and|yet|have to|il faut|bitte|mich|sie|mi|me|de|vous|te|lo|la|se|ti|ci|a|o|lui|my|our|the|"
    r"list|i|i'm))*) ?$"
)
_NEGATED_AFTER = re.compile(r"^(?:[- ]?moi)? (?:pas|nicht|ab nicht|mai)\b")


def _negated(folded: str, match: re.Match[str]) -> bool:
    """True when the phrase is denied in its own clause: "please don't remove me", "ne me désinscrivez pas"."""
    phrase = match.group()
    if phrase.startswith(("no ", "non ", "nao ", "ne ", "keine ", "nicht ", "don't", "do not", "dont", "never")):
        return False  # the negation is part of the opt-out phrase itself ("no me escribas más")
    clause_start = max(folded.rfind(mark, 0, match.start()) for mark in ".,;:!?\n-()")
    before = folded[clause_start + 1: match.start()].strip()
    words_before = " ".join(before.split()[-5:])
    if words_before and _NEGATED_BEFORE.search(words_before + " "):
        return True
    return bool(_NEGATED_AFTER.match(folded[match.end(): match.end() + 16]))


# --- Declined and interested -----------------------------------------------------------------------------
_DECLINED = _compile(
    r"\bnot (?:really |currently |at all )?interested\b", r"\bno,? thanks?\b", r"\bno,? thank you\b",
    r"\bnot for me\b", r"\bi'll pass\b", r"\bi will pass\b", r"\bpass on (?:this|that)\b", r"\bi(?: have to|'ll have to| must|'m going to| need to)? decline\b",
    r"\bnot (?:at this|right) (?:time|now)\b", r"^not now\b", r"\bnot a good time\b", r"\bpas le (?:bon )?moment\b", r"\bnot a (?:good )?fit\b", r"\b(?:absolutely|definitely) not\b",
    r"\bunfortunately,? (?:i|we) (?:can't|cannot|won't) (?:join|take part|participate|do it|make it)\b",
    r"\bpas (?:du tout )?interess\w*", r"\bnon,? merci\b", r"\bne m'interesse pas\b", r"\bje (?:vais )?passe(?:r)? mon tour\b",
    r"\bje (?:dois )?decline\w*", r"\bpas pour moi\b", r"\bpas disponible\b",
    r"\bkein interesse\b", r"\bnein,? danke\b", r"\bnicht interessiert\b", r"\bleider nicht\b", r"\bkein(?:e|en)? (?:gro(?:ss|ß)es )?interesse\b",
    r"\bmuss (?:leider )?absagen\b", r"\bsage (?:leider )?ab\b",
    r"\bno me interesa\b", r"\bno,? gracias\b", r"\bno estoy interesad[oa]\b",
    r"\bnon mi interessa\b", r"\bnon sono interessat[oa]\b", r"\bno(?:n)?,? grazie\b",
    r"\bnao tenho interesse\b", r"\bnao estou interessad[oa]\b", r"\bnao,? obrigad[oa]\b", r"\bnao me interessa\b",
)
_INTERESTED = _compile(
    r"(?<!not )(?<!no longer )(?<!not really )\binterested\b", r"\bcount me in\b", r"\bi'm in\b", r"\bi am in\b",
    r"\bsend (?:me|over|us) (?:a few |some |the |your )?(?:dates|details|times|slots|info|more)\b",
    r"\b(?:i'd|i would|we'd|we would) love to\b", r"\bsounds (?:great|good|fun|interesting|perfect|lovely)\b",
    r"\b(?:happy|glad|keen|excited|delighted) to\b", r"\blet's do (?:it|this)\b", r"\bwhen works\b", r"\bcount on me\b",
    r"\bi'?d be up for\b", r"(?<!not )(?<!not so )\bsure\b", r"\byes\b", r"\babsolutely\b", r"\bwhy not\b",
    r"\bavec (?:grand )?plaisir\b", r"\bpourquoi pas\b",
    r"\benvoyez[- ]moi (?:les |des |quelques |vos )?(?:dates|details|infos|informations|creneaux)\b",
    r"\bschick(?:en sie)? (?:mir|uns) (?:ein paar |einige |die |mehr )?(?:termine|details|infos|informationen)\b",
    r"\b(?:mandame|enviame|mandeme|envieme) (?:mas |las |los |algunas )?(?:informacion|detalles|fechas|info)\b",
    r"\bme gustaria (?:participar|estar|ir)\b",
    r"\b(?:mandami|inviami|mandatemi|inviatemi) (?:i |le |qualche |alcune |piu )?(?:dettagli|date|info|informazioni)\b",
    r"\bmi piacerebbe\b", r"\bgostaria (?:muito )?de participar\b",
    r"\bme (?:mande|manda|envie|enviem|mandem) (?:os |as |mais |algumas )?(?:detalhes|datas|informacoes|info)\b", r"\bvolontiers\b", r"(?<!pas )(?<!m')\binteress(?:e|ee|ant)\b", r"\bca m'interesse\b",
    r"\bje suis partant\w*", r"\bcompte[sz]? sur moi\b", r"\bcarrement\b", r"\boui\b", r"\bbien sur\b",
    r"\bgerne\b", r"\bbin dabei\b", r"\bklingt (?:gut|super|toll|spannend)\b", r"(?<!nicht )\binteressiert\b",
    r"\bme encantaria\b", r"\bcon (?:mucho )?gusto\b", r"\bcuenta conmigo\b", r"(?<!no )\bme interesa\b", r"\bsi,",
    r"\bclaro\b", r"\bencantad[oa]\b", r"\bperfecto\b",
    r"\bvolentieri\b", r"\bcon piacere\b", r"(?<!non )\bmi interessa\b", r"\bci sto\b", r"\bcerto\b", r"\bottimo\b",
    r"\bcom (?:muito )?prazer\b", r"(?<!nao )\btenho interesse\b", r"\badoraria\b", r"\bconte comigo\b", r"\bsim\b",
    r"\bclaro que sim\b", r"\bperfeito\b",
)
#: Affirmatives too small to contradict an opt-out ("Yes, please unsubscribe me").
_WEAK_YES = re.compile(r"yes|sure|oui|si,|sim|claro|certo|absolutely|why not|bien sur")
_QUESTION_ABOUT_OPT_OUT = re.compile(r"\b(?:how|can i|comment|wie|como|come|posso)\b[^.!?]*\?")

# --- Out of office ---------------------------------------------------------------------------------------
_AUTO_SUBJECT = _compile(
    r"\bout of (?:the )?office\b", r"\bautomatic reply\b", r"\bauto[- ]?reply\b", r"\bautoreply\b",
    r"\bautomatische antwort\b", r"\babwesenheit\w*", r"\breponse automatique\b", r"\babsent\w*",
    r"\brespuesta automatica\b", r"\bfuera de la oficina\b", r"\brisposta automatica\b", r"\bfuori (?:sede|ufficio)\b",
    r"\bresposta automatica\b", r"\bausente\b", r"\bfora do escritorio\b", r"\bvacation\b", r"\bon leave\b",
)
_OUT_OF_OFFICE = _compile(
    r"\b(?:i am|i'm|i will be|i'll be|currently) (?:currently )?(?:out of (?:the )?office|away|on (?:vacation|holiday|"
    r"holidays|leave|annual leave|parental leave|maternity leave|sick leave|a business trip)|travell?ing|off)\b",
    r"\bout of (?:the )?office\b", r"\bwith limited access to (?:e-?mail|my e-?mail)\b", r"\bautomatic reply\b",
    r"\bje suis (?:actuellement )?(?:absent|en (?:conges?|vacances|deplacement))\w*", r"\bje serai absent\w*",
    r"\bde retour le\b", r"\bmessage automatique\b",
    r"\bich bin (?:derzeit |zurzeit |momentan |aktuell |bis )?.{0,30}(?:nicht im buro|abwesend|im urlaub|auf reisen|nicht erreichbar)",
    r"\babwesenheit\w*", r"\bim urlaub\b", r"\bausser haus\b",
    r"\b(?:estoy|estare) (?:fuera de la oficina|de vacaciones|ausente|de viaje)\b", r"\bfuera de la oficina\b",
    r"\bsono (?:fuori ufficio|in ferie|assente|in vacanza)\b", r"\bfuori ufficio\b", r"\bin ferie\b",
    r"\bestou (?:fora do escritorio|de ferias|ausente|em viagem)\b", r"\bfora do escritorio\b", r"\bde ferias\b",
)
_LEFT_COMPANY = _compile(
    r"\bno longer (?:with|at|work)\b", r"\bhas left\b", r"\bi have left\b", r"\bne fait plus partie\b",
    r"\bnicht mehr (?:im unternehmen|bei|fur)\b", r"\bya no (?:trabaja|forma parte)\b", r"\bnon lavora piu\b",
    r"\bnao trabalha mais\b", r"\bmailbox is (?:no longer|not) monitored\b",
)

# --- Return dates ----------------------------------------------------------------------------------------
_MONTHS = {
    **dict.fromkeys(["january", "jan", "janvier", "janv", "januar", "jan", "jaenner", "janner", "enero", "ene",
                     "gennaio", "gen", "janeiro"], 1),
    **dict.fromkeys(["february", "feb", "fevrier", "fevr", "fev", "februar", "febrero", "febbraio", "fevereiro"], 2),
    **dict.fromkeys(["march", "mar", "mars", "marz", "maerz", "marzo", "marco"], 3),
    **dict.fromkeys(["april", "apr", "avril", "avr", "abril", "abr", "aprile"], 4),
    **dict.fromkeys(["may", "mai", "mayo", "maggio", "maio", "mag"], 5),
    **dict.fromkeys(["june", "jun", "juin", "juni", "junio", "giugno", "giu", "junho"], 6),
    **dict.fromkeys(["july", "jul", "juillet", "juil", "juli", "julio", "luglio", "lug", "julho"], 7),
    **dict.fromkeys(["august", "aug", "aout", "agosto", "ago"], 8),
    **dict.fromkeys(["september", "sep", "sept", "septembre", "septiembre", "setiembre", "settembre", "set",
                     "setembro"], 9),
    **dict.fromkeys(["october", "oct", "octobre", "oktober", "okt", "octubre", "ottobre", "ott", "outubro", "out"], 10),
    **dict.fromkeys(["november", "nov", "novembre", "noviembre", "novembro"], 11),
    **dict.fromkeys(["december", "dec", "decembre", "dezember", "dez", "diciembre", "dic", "dicembre", "dezembro"], 12),
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_BACK_ON = (
    r"(?:back|return(?:ing)?|returns|in the office|available|reachable|retour|de retour|rentre|disponible|"
    r"wieder|zuruck|vuelvo|regreso|de vuelta|volvere|rientro|rientrero|di ritorno|retorno|volto|de volta|"
    r"estarei de volta)"
)
_UNTIL = r"(?:until|till|through|thru|jusqu'au|jusqu'a|bis zum|bis|hasta el|hasta|fino al|fino a|ate (?:o dia|dia)?|ate)"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th|er|\.|º|°)?"
_DATE_SHAPES = (
    r"(?P<iso>(?P<iy>\d{4})-(?P<im>[01]?\d)-(?P<id>[0-3]?\d))",
    r"(?P<num>(?P<na>[0-3]?\d)[./](?P<nb>[0-3]?\d)(?:[./](?P<ny>\d{2}|\d{4}))?)\.?(?!\d)",
    rf"{_DAY} ?(?:de |of )?(?P<month>{_MONTH})\.?(?: de| del)?(?: (?P<year>\d{{4}}))?\b",
    rf"(?P<month2>{_MONTH})\.? (?P<day2>[0-3]?\d)(?:st|nd|rd|th)?,?(?: (?P<year2>\d{{4}}))?\b",
)
_DATE = "|".join(_DATE_SHAPES)
_WEEKDAYS = (r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|"
             r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lunes|martes|miercoles|jueves|viernes|"
             r"sabado|domingo|lunedi|martedi|mercoledi|giovedi|venerdi|segunda|terca|quarta|quinta|sexta)"
             r"(?:-feira)?,?")
_FILLER = rf"(?: (?:on|le|am|el|il|em|the|dem|den|from|a partir|office|in the office|at work|au bureau|im buro|{_WEEKDAYS}))*"
_RETURN = re.compile(rf"\b{_BACK_ON}{_FILLER} (?:{_DATE})")
_UNTIL_DATE = re.compile(rf"\b{_UNTIL}{_FILLER} (?:{_DATE})")
#: German "ab dem 5.1. wieder im Büro": "ab" alone starts the absence as often as it ends it.
_AB_WIEDER = re.compile(
    rf"\bab(?: dem| den)?(?: {_WEEKDAYS})? (?:{_DATE}) (?:(?!\bab\b)[^.,;\d]){{0,30}}\b(?:wieder|zuruck|erreichbar)")
#: Numeric dates are day-first except in English, where a two-way date takes the later reading.
_ENGLISH = re.compile(r"\b(?:the|and|i|i'm|back|until|will|be|office|return|returning)\b")


def _month_day(match: re.Match[str], day_first: bool) -> tuple[int, int, int | None]:
    """(month, day, year or None) from one :data:`_DATE` match; a two-way numeric date reads the later way."""
    groups = match.groupdict()
    if groups["iso"]:
        return int(groups["im"]), int(groups["id"]), int(groups["iy"])
    if groups["num"]:
        first, second = int(groups["na"]), int(groups["nb"])
        year = int(groups["ny"]) if groups["ny"] else None
        if year is not None and year < 100:
            year += 2000
        if first > 12 or (day_first and second <= 12):
            return second, first, year
        if second > 12:
            return first, second, year
        return max((second, first), (first, second)) + (year,)
    if groups["month"]:
        return _MONTHS[groups["month"]], int(groups["day"]), int(groups["year"]) if groups["year"] else None
    return _MONTHS[groups["month2"]], int(groups["day2"]), int(groups["year2"]) if groups["year2"] else None


def _resolve(month: int, day: int, year: int | None, reference: date | None) -> date | None:
    """A calendar date: the given year, else the first such day not long before ``reference``."""
    try:
        if year is not None:
            return date(year, month, day)
        if reference is None:
            return None
        candidate = date(reference.year, month, day)
        return candidate if candidate >= reference - timedelta(days=14) else date(reference.year + 1, month, day)
    except ValueError:
        return None


def return_date(text: str, reference: date | None = None) -> date | None:
    """The day someone is back, from an auto-reply's text: "back on X" is X, "until X" the day after.

    A date more than a year after ``reference`` (or before it by more than two weeks) is not believed.
    """
    folded = _fold(text)[:MAX_TEXT_CHARS]
    day_first = not _ENGLISH.search(folded)
    found: date | None = None
    for pattern, offset in ((_RETURN, 0), (_AB_WIEDER, 0), (_UNTIL_DATE, 1)):
        match = pattern.search(folded)
        if match is None:
            continue
        resolved = _resolve(*_month_day(match, day_first), reference)
        if resolved is not None:
            found = resolved + timedelta(days=offset)
            break
    if found is not None and reference is not None and not (
            reference - timedelta(days=14) <= found <= reference + timedelta(days=366)):
        return None
    return found


# --- Classification ---------------------------------------------------------------------------------------
_REPLY_PREFIX = re.compile(r"^(?:(?:re|aw|wg|fw|fwd|tr|rv|r|res|enc|sv|antw)\s*(?:\[\d+\])?\s*:\s*)+")


def _opt_out_matches(folded: str) -> tuple[list[str], list[str], list[str]]:
    """(opt-out phrases that stand, that are aimed at something else than our list, that are negated)."""
    standing: list[str] = []
    elsewhere: list[str] = []
    negated: list[str] = []
    for match in _OPT_OUT.finditer(folded):
        if _negated(folded, match):
            negated.append(match.group())
        elif _PERSONAL.match(match.group()) and _aimed_elsewhere(folded[match.end(): match.end() + 60]):
            elsewhere.append(match.group())
        else:
            standing.append(match.group())
    return standing, elsewhere, negated


def _aimed_elsewhere(following: str) -> bool:
    """True for "remove me from the Tuesday slot"; false for "remove me from your list" or a bare "remove me"."""
    target = _FROM_WHAT.match(following)
    if target is None:
        return False
    words = following[: target.end()].split()[1:]
    return not any(_OUR_LIST.match(word) for word in words)


def classify_intent(text: str, subject: str, *, auto_submitted: bool = False,
                    reference: date | None = None) -> Intent:
    """What the person means. ``text`` is their own words (quoted history removed), ``subject`` the reply's
    subject, ``auto_submitted`` whether headers mark it automatic (RFC 3834 and vendor headers), and
    ``reference`` the day the message arrived: return dates without a year are resolved against it (without
    it, only dates with a year are returned)."""
    body = _fold(text[:MAX_TEXT_CHARS])
    title = _REPLY_PREFIX.sub("", _fold(subject[:500]))
    declined = _DECLINED.findall(body)
    # Interest is looked for outside the declining phrases ("kein Interesse" holds "Interesse").
    interested = _INTERESTED.findall(_DECLINED.sub(" ", body))
    automatic = auto_submitted or bool(_AUTO_SUBJECT.search(title))
    away = bool(_OUT_OF_OFFICE.search(body)) or bool(_AUTO_SUBJECT.search(title))
    if away and not automatic and (interested or declined):
        away = False  # a person writing that they are travelling, and answering: their answer counts
    return (_opt_out(body, title, interested, declined, automatic or away)
            or _automatic(body, text, reference, automatic, away)
            or _answer(body, interested, declined))


def _opt_out(body: str, title: str, interested: list[str], declined: list[str], automatic: bool) -> Intent | None:
    """An opt-out, confident only when it stands alone; None when there is no opt-out word at all."""
    standing, elsewhere, _ = _opt_out_matches(body)
    in_subject = bool(_opt_out_matches(title)[0])
    alone = bool(_OPT_OUT_ALONE.match(body))
    if standing or in_subject or alone:
        said = ", ".join(f'"{phrase}"' for phrase in standing) or (f'"{body}"' if alone else f'"{title}" (subject)')
        strong_interest = [word for word in interested if not _WEAK_YES.fullmatch(word)]
        if automatic:
            return Intent(IntentKind.OPT_OUT, False, None, f"opt-out words {said} inside an automatic reply")
        if strong_interest and not declined:
            return Intent(IntentKind.OPT_OUT, False, None,
                          f"opt-out words {said} next to interested ones ({', '.join(strong_interest)})")
        if standing and _QUESTION_ABOUT_OPT_OUT.search(body) and not declined:
            return Intent(IntentKind.OPT_OUT, False, None, f"asks about opting out ({said})")
        if in_subject and not standing and not alone and body:
            return Intent(IntentKind.OPT_OUT, False, None, f"opt-out in the subject only ({said})")
        return Intent(IntentKind.OPT_OUT, True, None, f"opt-out: {said}")
    if automatic:
        return None
    hint = next((match for match in _OPT_OUT_HINT.finditer(body) if not _negated(body, match)), None)
    if hint:
        return Intent(IntentKind.OPT_OUT, False, None, f'may not want our mail: "{hint.group()}"')
    if elsewhere:
        return Intent(IntentKind.OPT_OUT, False, None,
                      f"asks to be removed from something, maybe not our list ({', '.join(elsewhere)})")
    return None


def _automatic(body: str, text: str, reference: date | None, automatic: bool, away: bool) -> Intent | None:
    """An out-of-office (with its return date), or an automatic reply a human should look at."""
    if not (automatic or away):
        return None
    if _LEFT_COMPANY.search(body):
        return Intent(IntentKind.UNKNOWN, False, None, "automatic reply: the person may have left")
    if away:
        back = return_date(text, reference)
        return Intent(IntentKind.OUT_OF_OFFICE, True, back,
                      f"out of office, back {back.isoformat()}" if back else "out of office, no return date")
    return Intent(IntentKind.UNKNOWN, False, None, "automatic reply that is not an out-of-office")


def _answer(body: str, interested: list[str], declined: list[str]) -> Intent:
    """A person's answer: interested, declined, both (a human decides), or just a reply."""
    if not body:
        return Intent(IntentKind.UNKNOWN, False, None, "no words of their own")
    if declined and interested:
        return Intent(IntentKind.UNKNOWN, False, None,
                      f"both interested ({', '.join(interested)}) and declined ({', '.join(declined)})")
    if declined:
        return Intent(IntentKind.DECLINED, True, None, f"declined: {', '.join(declined)}")
    negated = _opt_out_matches(body)[2]
    if interested:
        note = f" (and kept on the list: {', '.join(negated)})" if negated else ""
        return Intent(IntentKind.INTERESTED, True, None, f"interested: {', '.join(interested)}{note}")
    if negated:
        return Intent(IntentKind.REPLY, True, None, f"asks to stay on the list ({', '.join(negated)})")
    return Intent(IntentKind.REPLY, True, None, "a reply")
