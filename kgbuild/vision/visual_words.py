"""Words that name things a detector can see: the bridge from captions and speech to boxes.

A caption says "a man rides a horse"; the detector says ``person`` and ``horse``. This
lexicon maps English nouns (singular and plural, a few common synonyms) to the COCO class
names the bundled YOLO detector uses, so grounding can pair the word with the box. Custom
detector classes are matched by their own name.
"""

from __future__ import annotations

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "person": ("person", "people", "man", "men", "woman", "women", "boy", "boys", "girl", "girls", "child",
               "children", "kid", "kids", "player", "players", "astronaut", "rider", "riders", "driver",
               "passenger", "passengers", "pedestrian", "pedestrians", "lady", "ladies", "guy", "guys",
               "gentleman", "worker", "workers", "officer", "footballer", "coach", "manager", "speaker",
               "persons", "baby", "teenager", "student", "students", "athlete", "pilot", "chef", "doctor"),
    "bicycle": ("bicycle", "bicycles", "bike", "bikes", "cycle"),
    "car": ("car", "cars", "automobile", "taxi", "cab", "van"),
    "motorcycle": ("motorcycle", "motorcycles", "motorbike", "motorbikes", "scooter"),
    "airplane": ("airplane", "airplanes", "plane", "planes", "aircraft", "jet", "airliner"),
    "bus": ("bus", "buses", "coach bus", "minibus"),
    "train": ("train", "trains", "locomotive", "tram"),
    "truck": ("truck", "trucks", "lorry", "lorries"),
    "boat": ("boat", "boats", "ship", "ships", "yacht", "canoe", "ferry"),
    "traffic light": ("traffic light", "traffic lights"),
    "fire hydrant": ("fire hydrant", "hydrant"),
    "stop sign": ("stop sign",),
    "bench": ("bench", "benches"),
    "bird": ("bird", "birds", "pigeon", "gull", "seagull", "duck", "parrot"),
    "cat": ("cat", "cats", "kitten", "kittens", "kitty", "tabby"),
    "dog": ("dog", "dogs", "puppy", "puppies", "hound"),
    "horse": ("horse", "horses", "pony", "ponies", "stallion", "mare", "foal"),
    "sheep": ("sheep", "lamb", "lambs"),
    "cow": ("cow", "cows", "cattle", "bull", "calf"),
    "elephant": ("elephant", "elephants"),
    "bear": ("bear", "bears"),
    "zebra": ("zebra", "zebras"),
    "giraffe": ("giraffe", "giraffes"),
    "backpack": ("backpack", "backpacks", "rucksack"),
    "umbrella": ("umbrella", "umbrellas"),
    "handbag": ("handbag", "handbags", "purse"),
    "tie": ("tie", "ties", "necktie"),
    "suitcase": ("suitcase", "suitcases", "luggage"),
    "sports ball": ("ball", "balls", "football", "soccer ball", "basketball"),
    "kite": ("kite", "kites"),
    "skateboard": ("skateboard", "skateboards"),
    "surfboard": ("surfboard", "surfboards"),
    "tennis racket": ("tennis racket", "racket", "racquet"),
    "bottle": ("bottle", "bottles"),
    "wine glass": ("wine glass", "wine glasses", "glass of wine"),
    "cup": ("cup", "cups", "mug", "mugs", "coffee cup", "teacup"),
    "fork": ("fork", "forks"),
    "knife": ("knife", "knives"),
    "spoon": ("spoon", "spoons"),
    "bowl": ("bowl", "bowls"),
    "banana": ("banana", "bananas"),
    "apple": ("apple", "apples"),
    "sandwich": ("sandwich", "sandwiches"),
    "orange": ("orange", "oranges"),
    "broccoli": ("broccoli",),
    "carrot": ("carrot", "carrots"),
    "hot dog": ("hot dog", "hot dogs", "hotdog"),
    "pizza": ("pizza", "pizzas"),
    "donut": ("donut", "donuts", "doughnut", "doughnuts"),
    "cake": ("cake", "cakes"),
    "chair": ("chair", "chairs"),
    "couch": ("couch", "couches", "sofa", "sofas"),
    "potted plant": ("potted plant", "plant", "plants", "houseplant"),
    "bed": ("bed", "beds"),
    "dining table": ("table", "tables", "dining table"),
    "toilet": ("toilet", "toilets"),
    "tv": ("tv", "television", "televisions", "screen"),
    "laptop": ("laptop", "laptops", "notebook computer"),
    "mouse": ("computer mouse",),
    "remote": ("remote", "remote control"),
    "keyboard": ("keyboard", "keyboards"),
    "cell phone": ("phone", "phones", "cell phone", "mobile phone", "smartphone", "cellphone"),
    "microwave": ("microwave",),
    "oven": ("oven", "ovens"),
    "sink": ("sink", "sinks"),
    "refrigerator": ("refrigerator", "fridge"),
    "book": ("book", "books"),
    "clock": ("clock", "clocks"),
    "vase": ("vase", "vases"),
    "scissors": ("scissors",),
    "teddy bear": ("teddy bear", "teddy"),
}

# Nouns for people by what they do or are (issue 16: "photographer" in a caption named the
# person box and was lost). No lexical resource installs offline with a person hierarchy we
# may ship (WordNet's data is not on PyPI; Debian's wordnet-base would be a system
# dependency), so this is a list made by hand along fixed lines: occupations and offices as
# news and captions use them, family and age roles, and roles in a scene. Plurals are made
# by rule below; irregular ones are listed. Words that are as often something else ("model",
# "general", "major", "guide", "host", "trainer", "runner", "anchor") are left out.
_PEOPLE = """
accountant actor actress admiral adult aide airman ambassador analyst archbishop architect artist assistant
astronomer athlete attorney author baker ballerina banker barber barista bartender batsman bishop biologist
blacksmith bodyguard boxer bride bridegroom builder butcher butler cadet captain caretaker carpenter cashier
celebrity champion chancellor chemist chairman chairwoman cleaner clerk climber clown coach colonel comedian
commander commissioner composer conductor constable cook cosmonaut councillor councilor courier cowboy cyclist
dancer daughter dean defender delegate dentist deputy designer detective diplomat director diver drummer
economist editor electrician emperor employee engineer entrepreneur explorer farmer father filmmaker
firefighter fireman fisherman gardener geologist girlfriend boyfriend goalkeeper governor grandfather
grandmother grandson granddaughter groom guard guitarist gymnast hairdresser headmaster historian hostess
housewife hunter husband inspector instructor inventor janitor jockey journalist judge juror king knight
labourer laborer lawyer lecturer librarian lieutenant lifeguard magician maid mathematician mayor mechanic
medic midfielder miner minister monk mother mourner musician nanny navigator neighbour neighbor nephew niece
novelist nun nurse official painter paramedic parent patient performer pharmacist philosopher photographer
physician physicist pianist plumber poet policeman policewoman politician pope porter postman president priest
prince princess prisoner professor protester queen rabbi rapper receptionist referee refugee reporter
researcher sailor salesman saleswoman scholar scientist sculptor secretary senator sergeant servant sheriff
shopkeeper singer skater skier soldier son spectator sprinter statesman steward stewardess striker supervisor
surfer surgeon swimmer tailor teacher technician teen tenant tourist traveller traveler trooper tutor umpire
veteran vet veterinarian vicar violinist visitor volunteer waiter waitress warden welder widow widower wife
winner witness wrestler writer youngster youth tennis-player
"""
_IRREGULAR = {"businessman": "businessmen", "businesswoman": "businesswomen", "chairman": "chairmen",
              "chairwoman": "chairwomen", "fireman": "firemen", "fisherman": "fishermen", "policeman": "policemen",
              "policewoman": "policewomen", "postman": "postmen", "salesman": "salesmen",
              "saleswoman": "saleswomen", "statesman": "statesmen", "wife": "wives", "waitress": "waitresses",
              "hostess": "hostesses", "actress": "actresses", "stewardess": "stewardesses", "princess": "princesses",
              "witness": "witnesses", "youth": "youths", "nanny": "nannies", "secretary": "secretaries",
              "deputy": "deputies", "celebrity": "celebrities", "librarian": "librarians", "coach": "coaches",
              "boss": "bosses", "spokesman": "spokesmen", "spokeswoman": "spokeswomen", "boxer": "boxers"}


def _plural(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


_PERSON_NOUNS = sorted({w.replace("-", " ") for w in _PEOPLE.split()} | set(_IRREGULAR))
# What people are or do, beyond the words for people as such ("man", "player"...): in a
# caption they name who is in the picture; in an article they as often name someone else.
ROLE_NOUNS = frozenset({*_PERSON_NOUNS, *(_plural(w) for w in _PERSON_NOUNS if " " not in w)}) - set(_SYNONYMS["person"])
_SYNONYMS["person"] = tuple(dict.fromkeys(
    (*_SYNONYMS["person"], *_PERSON_NOUNS, *(_plural(w) for w in _PERSON_NOUNS if " " not in w))))

WORD_TO_CLASS: dict[str, str] = {word: cls for cls, words in _SYNONYMS.items() for word in words}
MAX_WORDS = max(len(w.split()) for w in WORD_TO_CLASS)


def visual_class(phrase: str) -> str | None:
    """The detector class a word or short phrase names ("men" -> "person"), or None."""
    key = " ".join(phrase.lower().split())
    return WORD_TO_CLASS.get(key) or WORD_TO_CLASS.get(key.rstrip("s")) if key else None


def same_thing(word: str, detected_class: str) -> bool:
    """Does ``word`` name ``detected_class``? Custom classes match by their own name."""
    cls = visual_class(word)
    return cls == detected_class.lower() if cls else word.lower().rstrip("s") == detected_class.lower().rstrip("s")
