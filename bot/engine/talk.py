"""Talk about mail versus a pasted bounce: the same judgement in `explain` as in the detector."""

from __future__ import annotations

from bot.engine.contains import any_in
from bot.engine.detect import REFUSAL_PHRASES, TALK_MAX_CHARS, is_talk, looks_like_bounce
from bot.engine.explanation import OWN_SENTENCE
from bot.engine.extract import is_final_report, says_gave_up, says_retrying
from bot.engine.matcher import Matcher
from bot.engine.textnorm import normalize


def is_chat_talk(text: str, matcher: Matcher) -> bool:
    """A short chat line the detector would not answer: talk about mail, not a pasted bounce."""
    stripped = text.strip()
    if "\n" in stripped or len(stripped) > TALK_MAX_CHARS or stripped[:1] in ("{", "["):
        return False
    if is_own_sentence(stripped, matcher):
        return False  # a provider's sentence pasted alone (Gmail's may start "We weren't ...")
    return is_talk(stripped) or not looks_like_bounce(stripped, matcher)


OWN_SHARE = 0.5
"""How much of a talk-like line a provider's sentence must make up to count as pasted."""


def is_own_sentence(text: str, matcher: Matcher) -> bool:
    """The text is (mostly) a sentence a knowledge entry holds: a server's own words."""
    if text.rstrip().endswith("?"):
        return False
    candidates = matcher.text_candidates(text)
    if not candidates or candidates[0][1] < OWN_SENTENCE:
        return False
    if not is_talk(text):
        return True
    # Talk-like openings ("We weren't able to find ...") count when the sentence is most of it.
    size = len(normalize(text))
    return any(len(p) >= OWN_SHARE * size for p in candidates[0][0].normalized_patterns)


FAILURE_WORDS = frozenset(
    "error errors failed failure fail fails invalid unknown unavailable unable cannot impossible "
    "exceeded exceeds denied rejected rejecting refused refusing forbidden illegal disabled "
    "blocked busy timeout aborted unreachable unroutable unrouteable expired violation "
    "restricted prohibited undeliverable undelivered bounced fehler fehlgeschlagen ungültig "
    "erreur échec invalide introuvable errore fallito non valido erro falha inválido ошибка".split()
)
"""Words that say something went wrong, in any reply: enough to try when someone asks."""
FAILURE_PAIRS = ("no longer", "could not", "couldn t", "can t", "not allowed", "no mailbox",
                 "no such", "not possible", "only registered", "not stored",
                 # "could not" in German, French, Spanish, Portuguese, Italian, Dutch, Polish, Russian
                 "nicht zugestellt", "nicht zustellbar", "pas pu", "no se pudo", "não foi possível",
                 "non è stato possibile", "niet worden afgeleverd", "niet afgeleverd", "nie można",
                 "не удалось")  # fmt: skip


def has_failure_wording(text: str, matcher: Matcher) -> bool:
    """Words a server uses when it refuses or fails to deliver mail."""
    lowered = text[:20_000].lower()
    if any_in(lowered, REFUSAL_PHRASES):
        return True
    head = text[:3000]
    norm = normalize(head)
    if not FAILURE_WORDS.isdisjoint(norm.split()) or any_in(norm, FAILURE_PAIRS):
        return True
    if is_final_report(head) or says_retrying(head) or says_gave_up(head):
        return True  # a notice's own words: "could not be delivered", "will keep trying"
    classifier = matcher.classifier
    return bool(classifier.lexicon.hits(head)) or classifier.cues.vote(norm) is not None
