"""classify_intent: what a person means, from plain strings — and never a guess that silences or annoys."""

from __future__ import annotations

from datetime import date

import pytest

from outreach.core.intent import Intent, IntentKind, classify_intent, return_date

TODAY = date(2026, 11, 30)


def read(text: str, subject: str = "Re: Guest spot on our live show", *, auto: bool = False) -> Intent:
    return classify_intent(text, subject, auto_submitted=auto, reference=TODAY)


# Issue 13's reproduced failures.
def test_avec_plaisir_send_me_a_few_dates_is_interested() -> None:
    assert read("avec plaisir ! Send me a few dates").kind is IntentKind.INTERESTED


def test_interested_and_please_dont_remove_me_is_interested_not_an_opt_out() -> None:
    intent = read("I'm interested! Please don't remove me")
    assert (intent.kind, intent.confident) == (IntentKind.INTERESTED, True)


def test_a_french_opt_out_is_an_opt_out() -> None:
    intent = read("Merci de ne plus me contacter… retirez-moi")
    assert (intent.kind, intent.confident) == (IntentKind.OPT_OUT, True)


def test_not_interested_is_declined() -> None:
    assert read("Not interested").kind is IntentKind.DECLINED


# Opt-outs in six languages.
@pytest.mark.parametrize("text", [
    "unsubscribe", "Please remove me from your list.", "Stop emailing me.", "Take me off your list",
    "Merci de ne plus me contacter.", "Retirez-moi de la liste.", "Merci de me désinscrire.", "desinscrire svp",
    "Bitte keine E-Mails mehr.", "Bitte abmelden.", "Bitte melden Sie mich ab.",
    "Quiero darme de baja.", "No me escribas más.",
    "Cancellami.", "Per favore non scrivermi più.",
    "Quero descadastrar meu e-mail.", "Não quero receber mais mensagens.",
])
def test_an_opt_out_phrase_is_a_confident_opt_out(text: str) -> None:
    intent = read(text)
    assert (intent.kind, intent.confident) == (IntentKind.OPT_OUT, True), intent.reason


@pytest.mark.parametrize("text", [
    "Please do not unsubscribe me, count me in.", "Ne me désinscrivez pas, avec plaisir !",
    "Bitte nicht abmelden, gerne!", "No me des de baja, me encantaría.", "Non cancellarmi, volentieri!",
    "Não me descadastre, tenho interesse!", "I don't want to unsubscribe, I'm interested.",
])
def test_a_negated_opt_out_is_not_an_opt_out(text: str) -> None:
    assert read(text).kind is IntentKind.INTERESTED


def test_an_opt_out_after_a_comma_is_not_undone_by_an_earlier_negation() -> None:
    assert read("I don't know you, remove me").kind is IntentKind.OPT_OUT


def test_an_opt_out_with_a_decline_is_a_confident_opt_out() -> None:
    intent = read("Not interested, please remove me")
    assert (intent.kind, intent.confident) == (IntentKind.OPT_OUT, True)


def test_a_lone_stop_is_an_opt_out() -> None:
    assert read("STOP").kind is IntentKind.OPT_OUT


def test_stop_inside_a_sentence_is_not_an_opt_out() -> None:
    assert read("I'll stop by the studio on Friday, count me in.").kind is IntentKind.INTERESTED


def test_an_opt_out_in_the_subject_with_no_words_is_an_opt_out() -> None:
    intent = read("", subject="unsubscribe")
    assert (intent.kind, intent.confident) == (IntentKind.OPT_OUT, True)


# When unsure: opt_out, but a human decides.
def test_an_opt_out_next_to_interested_words_is_an_unconfident_opt_out() -> None:
    intent = read("Sounds great, count me in.", subject="unsubscribe")
    assert (intent.kind, intent.confident) == (IntentKind.OPT_OUT, False)


def test_a_question_about_unsubscribing_is_an_unconfident_opt_out() -> None:
    intent = read("How do I unsubscribe?")
    assert (intent.kind, intent.confident) == (IntentKind.OPT_OUT, False)


def test_calling_it_spam_is_an_unconfident_opt_out() -> None:
    intent = read("This is spam.")
    assert (intent.kind, intent.confident) == (IntentKind.OPT_OUT, False)


def test_an_opt_out_inside_an_automatic_reply_is_an_unconfident_opt_out() -> None:
    intent = read("I am out of the office. To unsubscribe from our newsletter, click here.", auto=True)
    assert (intent.kind, intent.confident) == (IntentKind.OPT_OUT, False)


# Declined and interested.
@pytest.mark.parametrize("text", [
    "No thanks.", "Pas intéressée, merci.", "Kein Interesse.", "No me interesa.", "Non mi interessa.",
    "Não tenho interesse.", "I'll pass.", "leider kein Interesse",
])
def test_a_declining_phrase_is_declined(text: str) -> None:
    assert read(text).kind is IntentKind.DECLINED


@pytest.mark.parametrize("text", [
    "Count me in!", "Send me a few dates.", "Avec plaisir", "Gerne!", "Me encantaría.", "Volentieri!",
    "Com prazer!", "Sounds great", "Ci sto", "Cuenta conmigo",
])
def test_an_interested_phrase_is_interested(text: str) -> None:
    assert read(text).kind is IntentKind.INTERESTED


def test_interested_and_declined_together_is_unknown_for_a_human() -> None:
    intent = read("Sounds great but no thanks")
    assert (intent.kind, intent.confident) == (IntentKind.UNKNOWN, False)


def test_not_sure_is_not_read_as_sure() -> None:
    assert read("I'm not sure yet, what's the date?").kind is IntentKind.REPLY


def test_a_question_is_a_plain_reply() -> None:
    intent = read("What's the audience size?")
    assert (intent.kind, intent.confident) == (IntentKind.REPLY, True)


def test_no_words_at_all_is_unknown_for_a_human() -> None:
    intent = read("")
    assert (intent.kind, intent.confident) == (IntentKind.UNKNOWN, False)


# Out of office.
def test_an_auto_reply_with_back_on_is_out_of_office_until_that_day() -> None:
    intent = read("I am out of the office, back on 12 December.", "Automatic reply: Guest spot", auto=True)
    assert (intent.kind, intent.return_date) == (IntentKind.OUT_OF_OFFICE, date(2026, 12, 12))


def test_a_french_return_date_in_the_next_year_is_resolved_against_the_reference_day() -> None:
    assert return_date("Je suis absente, de retour le 3 janvier.", TODAY) == date(2027, 1, 3)


def test_a_german_ab_dem_wieder_date_is_the_return_day() -> None:
    assert return_date("Ich bin im Urlaub und ab dem 5.1. wieder im Büro.", TODAY) == date(2027, 1, 5)


def test_a_german_ab_date_that_starts_the_absence_is_not_the_return_day() -> None:
    assert return_date("Ich bin ab dem 20.12. im Urlaub, ab dem 5.1. wieder im Büro.", TODAY) == date(2027, 1, 5)


def test_until_a_date_means_back_the_day_after() -> None:
    assert return_date("Estoy fuera de la oficina hasta el 7 de enero.", TODAY) == date(2027, 1, 8)


def test_an_iso_date_is_read() -> None:
    assert return_date("I'm back on 2027-01-04.", TODAY) == date(2027, 1, 4)


def test_a_numeric_date_is_day_first_outside_english() -> None:
    assert return_date("Estou de férias, retorno em 07/01.", TODAY) == date(2027, 1, 7)


def test_a_two_way_english_numeric_date_takes_the_later_reading() -> None:
    assert return_date("I'm back on 3/4.", TODAY) == date(2027, 4, 3)


def test_a_date_without_a_year_needs_a_reference_day() -> None:
    assert return_date("back on 12 December") is None


def test_a_return_date_years_away_is_not_believed() -> None:
    assert return_date("back on 9999-01-01", TODAY) is None


def test_an_out_of_office_without_a_date_has_no_return_date() -> None:
    intent = read("I'm out of the office with limited access to email.", "Out of office", auto=True)
    assert (intent.kind, intent.return_date) == (IntentKind.OUT_OF_OFFICE, None)


def test_an_out_of_office_subject_without_auto_headers_is_out_of_office() -> None:
    assert read("Je suis en congés.", "Réponse automatique : Guest spot").kind is IntentKind.OUT_OF_OFFICE


def test_a_person_who_is_travelling_but_answers_is_read_by_their_answer() -> None:
    assert read("I'm travelling this week, but count me in!").kind is IntentKind.INTERESTED


def test_an_automatic_reply_that_is_no_out_of_office_is_unknown_for_a_human() -> None:
    intent = read("We have received your request and will answer within 2 days.", "Ticket #123", auto=True)
    assert (intent.kind, intent.confident) == (IntentKind.UNKNOWN, False)


def test_an_automatic_reply_saying_the_person_left_is_unknown_for_a_human() -> None:
    intent = read("Ana is no longer with Contoso.", "Automatic reply: Guest spot", auto=True)
    assert (intent.kind, intent.confident) == (IntentKind.UNKNOWN, False)


@pytest.mark.parametrize("text", [
    "I'd like to be removed from your mailing list.", "Please don't send me any more emails.",
    "I no longer wish to receive these.", "unsub", "Please opt me out.", "Ne m'écrivez plus.",
    "Je souhaite être retirée de votre liste.", "Bitte nehmen Sie mich aus dem Verteiler.",
    "Ich möchte keine weiteren E-Mails erhalten.", "Sáquenme de su lista.", "Remova-me da lista.",
    "Não desejo receber mais mensagens.", "Eliminate il mio indirizzo, grazie.",
])
def test_other_common_opt_out_wordings_are_opt_outs(text: str) -> None:
    assert read(text).kind is IntentKind.OPT_OUT


def test_remove_me_from_something_else_than_our_list_is_an_unconfident_opt_out() -> None:
    intent = read("Could you remove me from the Tuesday slot and put me on Friday?")
    assert (intent.kind, intent.confident) == (IntentKind.OPT_OUT, False)


def test_remove_me_from_your_list_is_a_confident_opt_out() -> None:
    intent = read("Please remove me from your mailing list")
    assert (intent.kind, intent.confident) == (IntentKind.OPT_OUT, True)


def test_a_removal_verb_near_a_list_word_is_an_unconfident_opt_out() -> None:
    intent = read("Vous pouvez enlever mon nom de cette liste ?")
    assert (intent.kind, intent.confident) == (IntentKind.OPT_OUT, False)


def test_a_guest_list_mentioned_in_passing_is_no_opt_out() -> None:
    assert read("Count me in, I'll take a look at your guest list.").kind is IntentKind.INTERESTED


def test_a_negated_removal_from_the_list_is_no_opt_out() -> None:
    assert read("Please do not remove me from the list, I'd love to do a show.").kind is IntentKind.INTERESTED


def test_a_plain_yes_does_not_make_an_opt_out_unsure() -> None:
    intent = read("Yes, please unsubscribe me.")
    assert (intent.kind, intent.confident) == (IntentKind.OPT_OUT, True)


@pytest.mark.parametrize("text", [
    "Non desidero ricevere altre email.", "Quiero que me eliminen de su lista.", "Gostaria de ser removido da lista.",
    "Could you not email me again?",
])
def test_polite_opt_outs_are_confident_opt_outs(text: str) -> None:
    intent = read(text)
    assert (intent.kind, intent.confident) == (IntentKind.OPT_OUT, True), intent.reason


@pytest.mark.parametrize("text", [
    "Pourquoi pas, envoyez-moi les détails.", "Schicken Sie mir ein paar Termine.", "Mándame más información.",
    "Mi piacerebbe!", "Gostaria de participar.", "Me manda os detalhes.",
])
def test_asking_for_details_is_interested(text: str) -> None:
    assert read(text).kind is IntentKind.INTERESTED
