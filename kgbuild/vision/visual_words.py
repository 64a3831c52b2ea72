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
