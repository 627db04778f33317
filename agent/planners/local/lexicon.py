"""The words the local planner knows: the scene's nouns and their synonyms, verbs by what they do,
quantities, and the words people add that change nothing ("could you", "please", "make sure").

Every word of a chore must be known here (or be heard-alike to one); an unknown word is refused
rather than skipped, because skipping "not" or "under" would give a confident wrong plan.
"""

from __future__ import annotations

COLOURS = ("red", "green", "blue", "yellow")
OTHER_COLOURS = frozenset(
    "purple orange pink white black brown gray grey violet cyan magenta golden silver".split()
)
RECEPTACLES = ("bowl", "bin", "drawer")

# Several words, read as one (longest first); applied before single words.
PHRASES: dict[str, str] = {
    "trash can": "bin",
    "garbage can": "bin",
    "garbage bin": "bin",
    "waste basket": "bin",
    "waste bin": "bin",
    "recycling bin": "bin",
    "light switch": "button",
    "lamp switch": "button",
    "on top of": "onto",
    "on to": "onto",
    "in to": "into",
    "inside of": "into",
    "out of": "from",
    "off of": "from",
    "a couple of": "two",
    "a couple": "two",
    "a pair of": "two",
    "apart from": "except",
    "aside from": "except",
    "except for": "except",
    "other than": "except",
    "with the exception of": "except",
    "but not": "except",
    "as well": "too",
    "lights out": "light off",
    "too dark": "light on",
    "too bright": "light off",
    "turn of": "turn off",
    "switch of": "switch off",
    "where it is": "alone",
    "where they are": "alone",
    "in place": "alone",
    "and then": "then",
    "after that": "then",
    "once you are done": "then",
    "when you are done": "finally",
    "when you are finished": "finally",
    "at the end": "finally",
    "by the end": "finally",
    "next to": "beside",
    "in front of": "beside",
    "let us": "",
    "thank you": "",
    "for me": "",
    "if you could": "",
    "if you would": "",
    "if you can": "",
    "when you get a chance": "",
    "when you have a moment": "",
    "go ahead and": "",
    "be so kind as to": "",
    "see to it": "",
    "i mean": "",
    "is in": "in",
    "are in": "in",
    "that is": "",
    "which is": "",
    "sitting": "",
    "on top": "onto it",
    "pull out": "open",
    "push in": "close",
}

# One word to the planner's own word: synonyms, plurals, gerunds ("would you mind closing").
WORDS: dict[str, str] = {
    **dict.fromkeys(("cube", "brick", "piece", "blocks_", "block"), "block"),
    **dict.fromkeys(("cubes", "bricks", "pieces", "blocks"), "blocks"),
    **dict.fromkeys(("basket", "bucket", "trash", "garbage", "box", "bins", "baskets"), "bin"),
    **dict.fromkeys(("dish", "bowls"), "bowl"),
    **dict.fromkeys(("cabinet", "cupboard", "drawers"), "drawer"),
    **dict.fromkeys(("lamp", "lamps", "bulb", "lights"), "light"),
    **dict.fromkeys(("opened",), "open"),
    **dict.fromkeys(("closed", "shut"), "close"),
    **dict.fromkeys(("everything", "everythin"), "everything"),
    "putting": "put",
    "placing": "place",
    "moving": "move",
    "dropping": "drop",
    "stacking": "stack",
    "piling": "pile",
    "closing": "close",
    "shutting": "close",
    "opening": "open",
    "pulling": "pull",
    "pushing": "push",
    "pressing": "press",
    "hitting": "hit",
    "turning": "turn",
    "switching": "switch",
    "taking": "take",
    "getting": "get",
    "leaving": "leave",
    "making": "make",
    "emptying": "empty",
    "grabbing": "grab",
    "tossing": "toss",
    "placed": "place",
    "moved": "move",
    "stacked": "stack",
    "dropped": "drop",
    "turned": "turn",
    "switched": "switch",
    "pressed": "press",
    "emptied": "empty",
    "touching": "touch",
    "2": "two",
    "3": "three",
    "4": "four",
    "1": "one",
    "5": "five",
    "6": "six",
}

# What a verb does. Verbs not listed are unknown words.
PLACE_VERBS = frozenset(
    "put place move drop toss throw stick set store pop tuck stash transfer bring load deposit "
    "relocate shift carry lay dump chuck return tidy clear slide".split()
)
PICK_VERBS = frozenset("pick grab take lift fetch collect gather hold".split())
STACK_VERBS = frozenset("stack pile balance".split())
OPEN_VERBS = frozenset({"open"})
CLOSE_VERBS = frozenset({"close"})
PRESS_VERBS = frozenset("press hit tap toggle click".split())
LIGHT_VERBS = frozenset("turn switch flip flick".split())
KEEP_VERBS = frozenset("leave keep".split())
EMPTY_VERBS = frozenset({"empty"})
# "push"/"pull" move the drawer or press the button depending on the object.
DRAWER_OR_BUTTON_VERBS = frozenset("push pull".split())
# Verbs that frame a goal without saying how: "make sure", "get", "have", "want".
FRAMING_VERBS = frozenset(
    "make get have want like need ensure check go goes belong belongs end ends stay stays remain "
    "remains be is are was should must would could can will may might shall do does mind let "
    "sure see needs wants likes has gets sit sits lie lies stand stands going gone ended being "
    "am touch".split()
)
VERBS = (
    PLACE_VERBS
    | PICK_VERBS
    | STACK_VERBS
    | OPEN_VERBS
    | CLOSE_VERBS
    | PRESS_VERBS
    | LIGHT_VERBS
    | KEEP_VERBS
    | EMPTY_VERBS
    | DRAWER_OR_BUTTON_VERBS
)

NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "both": 2}
NOUNS = frozenset({"block", "blocks", "one", "ones", "bowl", "bin", "drawer", "button", "light"})
PRONOUNS = frozenset({"it", "them", "they", "those", "these", "that", "this"})
COLLECTIVES = frozenset({"everything", "all", "every", "each", "whatever"})
OTHERS = frozenset({"other", "others", "rest", "remaining", "another"})
DESTINATION_PREPS = frozenset({"in", "into", "inside", "onto", "on", "to", "over", "atop", "there"})
SOURCE_PREPS = frozenset({"from"})
STATE_WORDS = frozenset({"open", "close", "on", "off"})
NEGATIONS = frozenset({"not", "never", "no"})
ORDER_WORDS = frozenset({"then", "first", "next", "finally", "afterwards", "later", "last"})
# Words that change nothing about the goal.
IGNORED = frozenset(
    "please kindly thanks thank you i we me my us hey robot the a an of to up down away back "
    "again now just also too so kind as for that which who with when once done finished "
    "carefully gently quickly right there's here both any some ok okay alright well then "
    "afterwards first next finally later last it's".split()
)
KNOWN = (
    frozenset(COLOURS)
    | OTHER_COLOURS
    | VERBS
    | FRAMING_VERBS
    | NOUNS
    | PRONOUNS
    | COLLECTIVES
    | OTHERS
    | DESTINATION_PREPS
    | SOURCE_PREPS
    | STATE_WORDS
    | NEGATIONS
    | ORDER_WORDS
    | IGNORED
    | frozenset(NUMBERS)
    | frozenset(
        {
            "and",
            "or",
            "except",
            "but",
            "by",
            "alone",
            "full",
            "before",
            "after",
            "ontable",
            "beside",
            "twice",
            "times",
            "time",
        }
    )
    | frozenset({"too", "there", "inside", "out", "in", "on", "off", "table", "everything"})
    | frozenset({"is", "are", "what", "where", "whatever", "stack", "tower", "block"})
)

# Words a recogniser hears for ours (espeak-ng and Whisper confusions seen in issue 20).
HEARD_AS: dict[str, str] = {
    "read": "red",
    "bread": "red",
    "blew": "blue",
    "grin": "green",
    "greene": "green",
    "yellows": "yellow",
    "jello": "yellow",
    "been": "bin",
    "pin": "bin",
    "ben": "bin",
    "bowel": "bowl",
    "ball": "bowl",
    "bold": "bowl",
    "draw": "drawer",
    "drawing": "drawer",
    "ramp": "light",
    "lamb": "light",
    "limp": "light",
    "bottom": "button",
    "mutton": "button",
    "blog": "block",
    "shot": "close",
    "clothes": "close",
    "cloths": "close",
    "pot": "put",
    "cut": "put",
    "pat": "put",
    "stuck": "stack",
    "oven": "open",
    "pres": "press",
}
# Words the hearing may be corrected to, by edit distance, when HEARD_AS does not know the word.
CORRECTABLE = (
    frozenset(COLOURS)
    | (VERBS - {"set", "pop", "lay", "tap", "hit"})
    | frozenset({"block", "blocks", "bowl", "bin", "drawer", "button", "light", "lamp", "cube"})
    | frozenset({"open", "close", "everything", "except"})
)
