"""Held-out queries over the eval corpus, and off-topic queries: for checking a ranking, never for tuning it.

``corpus.py``'s queries are what the fusion weights are tuned on, so their scores flatter the ranking.
These were written separately, in other words than both the files and the tuning queries, the way people
search their own things: short keyword runs ("boiler pressure low filling loop"), questions ("when do I
have to send in my tax return") and vaguer paraphrases. They were written without running a search, so
they are not fitted to the system either. Tuning code must not import this module.

The off-topic queries (typed, spoken and images) have no file that answers them: neither the corpus nor
the distractors (``distractors.py``) share a distinctive word with them (``test_distractors_data.py``
checks both), so any result they get is noise.

``build_heldout(root)`` expects ``corpus.build_corpus(root)`` to have written the corpus already. Spoken
queries go to a hidden folder under the root, which the scanner does not index.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from core.types import Kind

from .corpus import _BEACH, _GRANDMA, QUERY_VOICE, EvalQuery, PhotoQuery, have_espeak, photo_queries, speak

VOICE_DIR = ".voice-heldout"

# -- notes: (query, expected note) -------------------------------------------------------------------------
HELDOUT_NOTES: tuple[tuple[str, str], ...] = (
    ("lasagne recipe oven time", "Notes/Recipes/beef_lasagne.md"),
    ("how much milk goes in the white sauce", "Notes/Recipes/beef_lasagne.md"),
    ("a main course I can cook ahead and freeze in portions", "Notes/Recipes/beef_lasagne.md"),
    ("green curry coconut milk chicken", "Notes/Recipes/thai_green_curry.md"),
    ("what do I serve with the curry", "Notes/Recipes/thai_green_curry.md"),
    ("sourdough starter feeding", "Notes/Recipes/sourdough.txt"),
    ("why did my loaf come out dense inside", "Notes/Recipes/sourdough.txt"),
    ("Lisbon trip day by day", "Notes/Travel/lisbon_may_2023.md"),
    ("which tram should we catch early to beat the queues", "Notes/Travel/lisbon_may_2023.md"),
    ("Sintra day trip palace tickets", "Notes/Travel/lisbon_may_2023.md"),
    ("Skye ferry booking", "Notes/Travel/highlands_road_trip.md"),
    ("scotland driving holiday route", "Notes/Travel/highlands_road_trip.md"),
    ("dripping mixer tap cartridge", "Notes/Home/kitchen_tap.md"),
    ("what size spanner did I need under the sink", "Notes/Home/kitchen_tap.md"),
    ("boiler pressure low filling loop", "Notes/Home/boiler_pressure.md"),
    ("what bar should the boiler read after topping it up", "Notes/Home/boiler_pressure.md"),
    ("radiator valve damp patch in the bedroom", "Notes/Home/boiler_pressure.md"),
    ("monthly budget mortgage groceries", "Notes/Finance/household_budget_2024.md"),
    ("how much do we put into savings every payday", "Notes/Finance/household_budget_2024.md"),
    ("self assessment deadline", "Notes/Finance/tax_return.md"),
    ("when do I have to send in my tax return", "Notes/Finance/tax_return.md"),
    ("Q3 priorities and action items", "Notes/Work/q3_planning_meeting.md"),
    ("who is writing up the onboarding spec", "Notes/Work/q3_planning_meeting.md"),
    ("annual review wins", "Notes/Work/performance_review.md"),
    ("making the case for earning more money at my job", "Notes/Work/performance_review.md"),
    ("knee exercises from physio", "Notes/Health/knee_physio.md"),
    ("how long before I can go running again after hurting my leg", "Notes/Health/knee_physio.md"),
    ("insomnia waking up too early", "Notes/Health/sleep.md"),
    ("what to try when I can't drop off again at 4am", "Notes/Health/sleep.md"),
    ("guitar barre chord buzzing", "Notes/Hobbies/guitar_practice.md"),
    ("which songs am I learning to play", "Notes/Hobbies/guitar_practice.md"),
    ("birds at the reservoir", "Notes/Hobbies/birdwatching.md"),
    ("what turned up at the garden feeder", "Notes/Hobbies/birdwatching.md"),
    ("Lily times tables", "Notes/School/parents_evening.md"),
    ("which day are spelling tests and homework", "Notes/School/parents_evening.md"),
    ("museum trip packed lunch", "Notes/School/science_museum_trip.txt"),
    ("what time does the coach leave for the school trip", "Notes/School/science_museum_trip.txt"),
    ("tomato side shoots and feeding", "Notes/Garden/tomatoes.md"),
    ("when to stop the greenhouse plants so the fruit ripens", "Notes/Garden/tomatoes.md"),
    ("moss in the lawn", "Notes/Garden/lawn.md"),
    ("what height should the mower be set to in summer", "Notes/Garden/lawn.md"),
    ("Golf MOT date", "Notes/Car/service_and_mot.md"),
    ("how much was the big car service last year", "Notes/Car/service_and_mot.md"),
    ("changing a flat tyre jack", "Notes/Car/flat_tyre.md"),
    ("how fast can I drive on the spare wheel", "Notes/Car/flat_tyre.md"),
    ("Biscuit vaccinations vet", "Notes/Pets/dog_vet.md"),
    ("how much food should the dog get a day", "Notes/Pets/dog_vet.md"),
    ("laptop buying shortlist", "Notes/Shopping/new_laptop.md"),
    ("should I go for the MacBook or the Dell", "Notes/Shopping/new_laptop.md"),
    ("best man speech", "Notes/Events/best_man_speech.md"),
    ("the story about Tom getting lost in Prague", "Notes/Events/best_man_speech.md"),
    ("couch to 5k week plan", "Notes/Fitness/couch_to_5k.md"),
    ("how many times a week should I go out running", "Notes/Fitness/couch_to_5k.md"),
    ("change of address when moving", "Notes/Home/moving_house.md"),
    ("what to keep in the box for the first night", "Notes/Home/moving_house.md"),
    ("meter readings on moving day", "Notes/Home/moving_house.md"),
)

# -- recordings: (query, expected recording), asked both typed and spoken ----------------------------------
HELDOUT_RECORDINGS: tuple[tuple[str, str], ...] = (
    ("move my dental check up", "Recordings/memo_001.wav"),
    ("dentist on Monday", "Recordings/memo_001.wav"),
    ("weekend shopping list with milk and eggs", "Recordings/memo_002.wav"),
    ("car park bay number", "Recordings/memo_003.wav"),
    ("what level did I park on", "Recordings/memo_003.wav"),
    ("when is the plumber coming round", "Recordings/memo_004.wav"),
    ("birthday ideas scarf or concert tickets", "Recordings/memo_005.wav"),
    ("what did the client want in the proposal", "Recordings/memo_006.wav"),
    ("book recommendation from Tom", "Recordings/memo_007.wav"),
    ("renew the car insurance", "Recordings/memo_008.wav"),
    ("compare insurance quotes before March", "Recordings/memo_008.wav"),
    ("holiday cottage wifi password", "Recordings/memo_009.wav"),
    ("strawberry raised bed next to the shed", "Recordings/memo_010.wav"),
    ("keeping the birds off the fruit with a net", "Recordings/memo_010.wav"),
)

# -- photos: found by folder and file names, EXIF date and camera (CLIP has random weights in the eval) ----
_TOMATOES = ("Photos/Garden/Tomatoes/IMG_5120.jpg", "Photos/Garden/Tomatoes/IMG_5121.jpg")
_RECEIPTS = ("Photos/Receipts/Dishwasher warranty/scan_0001.jpg",
             "Photos/Receipts/Restaurant dinner London/scan_0002.jpg")
_PIXEL = ("Photos/Pets/Puppy Max/IMG_6001.jpg", "Photos/House/Kitchen renovation/IMG_8100.jpg",
          "Photos/Hiking/Lake District/IMG_9500.jpg")

HELDOUT_PHOTOS: tuple[PhotoQuery, ...] = (
    PhotoQuery(_BEACH, "Portugal beach trip photos"),
    PhotoQuery(_BEACH, "holiday snaps", date(2023, 8, 1), date(2023, 9, 1), Kind.PHOTO),
    PhotoQuery(_GRANDMA, "90th birthday party"),
    PhotoQuery(_GRANDMA, "Sony camera shots"),
    PhotoQuery(("Photos/Holidays/Skiing Austria 2022/IMG_3301.jpg",), "Austria skiing"),
    PhotoQuery(("Photos/Holidays/Skiing Austria 2022/IMG_3301.jpg",), "shot on the Canon"),
    PhotoQuery(("Photos/Family/Christmas 2022/IMG_2201.jpg",), "Christmas day 2022"),
    PhotoQuery(("Photos/Family/First day at school/IMG_4410.jpg",), "starting school",
               date(2023, 9, 1), date(2023, 10, 1), Kind.PHOTO),
    PhotoQuery(("Photos/Receipts/Dishwasher warranty/scan_0001.jpg",), "warranty scan for the dishwasher"),
    PhotoQuery(("Photos/Receipts/Restaurant dinner London/scan_0002.jpg",), "London dinner receipt"),
    PhotoQuery(_RECEIPTS, "receipts"),
    PhotoQuery(_RECEIPTS, "pictures from the Samsung phone"),
    PhotoQuery(_TOMATOES, "tomatoes in the garden"),
    PhotoQuery(("Photos/Garden/Tomatoes/IMG_5120.jpg",), "tomatoes", date(2024, 6, 1), None, Kind.PHOTO),
    PhotoQuery(("Photos/Garden/Pond build/IMG_5301.jpg",), "pond we dug"),
    PhotoQuery(("Photos/Pets/Puppy Max/IMG_6001.jpg",), "Max the dog when he was small"),
    PhotoQuery(("Photos/Car/Scratch on bumper/IMG_7002.jpg",), "bumper damage"),
    PhotoQuery(("Photos/House/Kitchen renovation/IMG_8100.jpg",), "photos of the kitchen being redone"),
    PhotoQuery(("Photos/Events/Wedding Anna and Ben/DSC_9001.jpg",), "Anna Ben wedding photos"),
    PhotoQuery(("Photos/Hiking/Lake District/IMG_9500.jpg",), "Lake District walk"),
    PhotoQuery(_PIXEL, "Pixel 5 photos"),
    # Filters only: the one photo of April 2024, and the one of 2021.
    PhotoQuery(("Photos/Garden/Pond build/IMG_5301.jpg",), None, date(2024, 4, 1), date(2024, 5, 1), Kind.PHOTO),
    PhotoQuery(("Photos/Pets/Puppy Max/IMG_6001.jpg",), None, date(2021, 1, 1), date(2022, 1, 1), Kind.PHOTO),
)

# -- off-topic: nothing in the corpus or the distractors is about these ------------------------------------
OFF_TOPIC_TEXT: tuple[str, ...] = (
    "knitting a chunky wool cardigan",
    "ballet recital costume",
    "which sunscreen spf is best",
    "skateboard ramp",
    "nanny payslip",
    "asthma inhaler",
    "penicillin allergy",
    "jellyfish sting",
    "what is on at the cinema",
    "hairdresser price list",
    "necklace clasp",
    "cufflinks and tuxedo",
    "graduation gown",
    "lottery numbers",
    "bingo night",
    "geocaching",
    "stargazing",
    "hammock",
    "sledging",
    "karaoke",
    "origami crane",
    "scuba diving",
    "embassy visa",
    "taekwondo",
    "netball",
    "beehive",
    "heatwave",
    "divorce",
    "probate",
    "pregnancy midwife",
    "halloween pumpkin",
    "cholesterol",
    "thyroid",
    "antiques auction",
)

OFF_TOPIC_VOICE: tuple[str, ...] = (
    "when is my next yoga class",
    "what did the midwife say about the pregnancy",
    "what time does karaoke start",
    "show me the origami crane",
    "where did I put the embassy visa",
    "who is looking after the beehive",
    "what time is netball",
)


def off_topic_images(out_dir: Path) -> list[Path]:
    """Seven images unlike the corpus photos (colour blocks on a left-to-right gradient), same bytes each time.

    A checkerboard, concentric rings, a radial gradient, green-only noise, diagonal stripes, a Sierpinski
    triangle (PNG) and a line spiral (JPEG, no EXIF).
    """
    import math

    import numpy as np
    from PIL import Image, ImageDraw

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    size = 512
    yy, xx = np.mgrid[0:size, 0:size]
    images: dict[str, Image.Image] = {}

    images["checkerboard.png"] = Image.fromarray(((((xx // 64) + (yy // 64)) % 2) * 255).astype(np.uint8), "L")

    rings = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(rings)
    for r in range(12, size // 2, 18):
        draw.ellipse((size // 2 - r, size // 2 - r, size // 2 + r, size // 2 + r), outline="black", width=3)
    images["rings.png"] = rings

    dist = np.hypot(xx - size / 2, yy - size / 2) / (size / math.sqrt(2))
    radial = np.stack([255 * (1 - dist), np.full_like(dist, 40), 255 * dist], axis=-1)
    images["radial_gradient.png"] = Image.fromarray(np.clip(radial, 0, 255).astype(np.uint8), "RGB")

    noise = np.zeros((size, size, 3), dtype=np.uint8)
    noise[..., 1] = np.random.default_rng(7).integers(0, 256, size=(size, size), dtype=np.uint8)
    images["green_noise.png"] = Image.fromarray(noise, "RGB")

    stripes = (((xx + yy) // 24) % 2).astype(bool)
    stripe_rgb = np.where(stripes[..., None], np.array([250, 200, 20]), np.array([30, 30, 120]))
    images["stripes.png"] = Image.fromarray(stripe_rgb.astype(np.uint8), "RGB")

    sierpinski = ((xx & yy) == 0).astype(np.uint8) * 255
    images["sierpinski.png"] = Image.fromarray(sierpinski, "L")

    spiral = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(spiral)
    points = [(size / 2 + t * 1.4 * math.cos(t / 6), size / 2 + t * 1.4 * math.sin(t / 6)) for t in range(180)]
    draw.line(points, fill=0, width=4)
    images["spiral.jpg"] = spiral

    paths = []
    for name, img in images.items():
        p = out_dir / name
        if name.endswith(".jpg"):
            img.convert("RGB").save(p, "JPEG", quality=90)
        else:
            img.convert("RGB").save(p, "PNG")
        paths.append(p)
    return paths


def _speak_all(root: Path, texts: tuple[str, ...], prefix: str) -> list[Path]:
    """Each text spoken by the querying voice to ``root/VOICE_DIR/{prefix}_NNN.wav``; paths relative to root."""
    out = []
    for i, text in enumerate(texts):
        rel = Path(VOICE_DIR) / f"{prefix}_{i + 1:03d}.wav"
        speak(text, root / rel, QUERY_VOICE)
        out.append(rel)
    return out


def build_heldout(root: Path, with_speech: bool | None = None) -> list[EvalQuery]:
    """The held-out queries over a corpus already written to ``root`` by ``corpus.build_corpus``.

    ``with_speech`` defaults to whether espeak-ng is installed; without it there are no recordings in the
    corpus, so no recording queries either (typed or spoken).
    """
    root = Path(root)
    speech = have_espeak() if with_speech is None else with_speech
    queries = [EvalQuery("note", (expected,), text=q, label=q) for q, expected in HELDOUT_NOTES]
    if speech:
        voices = _speak_all(root, tuple(q for q, _ in HELDOUT_RECORDINGS), "recording")
        for (q, expected), voice in zip(HELDOUT_RECORDINGS, voices, strict=True):
            queries.append(EvalQuery("recording_voice", (expected,), voice_path=str(voice), label=q))
            queries.append(EvalQuery("recording_text", (expected,), text=q, label=q))
    queries.extend(photo_queries(HELDOUT_PHOTOS))
    return queries


def build_off_topic_voice(root: Path) -> list[Path]:
    """``OFF_TOPIC_VOICE`` spoken under ``root`` (hidden folder); absolute paths, none without espeak-ng."""
    if not have_espeak():
        return []
    return [Path(root) / rel for rel in _speak_all(Path(root), OFF_TOPIC_VOICE, "off_topic")]
