"""The labelled evaluation corpus: notes, spoken recordings and photos, with queries that paraphrase them.

Everything here is hand-written data; ``build_corpus(root)`` writes it to disk deterministically (fixed
seeds, fixed timestamps) and returns the labelled queries. Queries use other words than the files they
should find (a note about a dripping kitchen tap is looked for as "how do I stop the faucet leaking"), and
the corpus has topical near-neighbours (two recipes with sauces, two trips, two car notes, two garden
notes, a boiler note next to a recording about the plumber) so that the ranking has something to get wrong.

Recordings and voice queries are spoken by ``espeak-ng``. Without it, no recordings are written and no
recording queries are returned (``have_espeak()`` says which); the tests that need them skip with a reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from core.search import Query
from core.types import Kind

# "note_exact" is an addition to the paraphrase types: rare words copied from a note (a fault code, a name, a
# product), which the sentence embedder alone handles poorly. It keeps tuning from trading keyword search away.
QTYPES = ("note", "note_exact", "recording_voice", "recording_text", "photo")

RECORDING_VOICE = ("-v", "en-us", "-s", "150")  # the library's recordings
QUERY_VOICE = ("-v", "en-gb-x-rp", "-s", "155")  # the person asking: another voice and speed

QUERY_DIR = ".voice-queries"  # spoken queries, inside the root but hidden (not indexed)

# Notes and recordings get this modification time, so date-ordered results are deterministic.
FIXED_MTIME = datetime(2024, 5, 1, 12, 0, 0).timestamp()


@dataclass(frozen=True, slots=True)
class EvalQuery:
    """One labelled query. ``expected`` holds paths relative to the corpus root (any of them is relevant)."""

    qtype: str
    expected: tuple[str, ...]
    text: str | None = None
    voice_path: str | None = None  # relative to the corpus root
    kind: Kind | None = None
    after: date | None = None
    before: date | None = None
    limit: int = 20
    label: str = ""  # what was asked, for reports (the spoken sentence for voice queries)

    def to_query(self, root: Path) -> Query:
        """A fresh ``Query`` each time (``Library.search`` fills in ``transcript`` and rewrites ``text``)."""
        return Query(text=self.text, voice_path=str(root / self.voice_path) if self.voice_path else None,
                     kind=self.kind, after=self.after, before=self.before, limit=self.limit)


@dataclass(frozen=True, slots=True)
class NoteDoc:
    path: str
    text: str
    queries: tuple[str, str]


@dataclass(frozen=True, slots=True)
class RecordingDoc:
    path: str
    speech: str
    queries: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PhotoDoc:
    path: str
    taken: str  # EXIF DateTimeOriginal, "YYYY:MM:DD HH:MM:SS"
    make: str
    model: str


@dataclass(frozen=True, slots=True)
class PhotoQuery:
    expected: tuple[str, ...]
    text: str | None
    after: date | None = None
    before: date | None = None
    kind: Kind | None = None


@dataclass(slots=True)
class Corpus:
    notes: list[NoteDoc] = field(default_factory=list)
    recordings: list[RecordingDoc] = field(default_factory=list)
    photos: list[PhotoDoc] = field(default_factory=list)


# -- notes ---------------------------------------------------------------------------------------------
NOTES: tuple[NoteDoc, ...] = (
    NoteDoc("Notes/Recipes/beef_lasagne.md", """# Beef lasagne (Sunday version)

Brown 500 g minced beef with a chopped onion, two garlic cloves and a diced carrot. Add a tin of chopped
tomatoes, a spoon of tomato purée, a splash of red wine and dried oregano, then simmer for forty minutes
until thick.

For the white sauce melt 50 g butter, stir in 50 g flour, then whisk in 600 ml warm milk a little at a
time. Season with nutmeg.

Layer in the dish: meat sauce, pasta sheets, white sauce, three times, finishing with white sauce and
grated parmesan. Bake at 180°C for 45 minutes and let it rest ten minutes before cutting. Serves six;
freezes well in portions.
""", ("what temperature and how long for the layered Italian bake with mince",
      "ingredients for the noodle casserole with ground meat and bechamel")),

    NoteDoc("Notes/Recipes/thai_green_curry.md", """# Green curry with chicken

Fry two tablespoons of green curry paste in a little oil until fragrant. Pour in a can of coconut milk
and bring to a gentle bubble. Add sliced chicken thighs, a handful of green beans and bamboo shoots, and
cook for about twelve minutes. Season with fish sauce and a pinch of palm sugar, then finish with Thai
basil and lime leaves. Serve with jasmine rice.

Next time use less paste: it was far too hot for the kids.
""", ("spicy southeast Asian stew with poultry and coconut",
      "the dish that was too fiery for the children last time")),

    NoteDoc("Notes/Recipes/sourdough.txt", """Sourdough loaf notes

Feed the starter the night before: 50 g starter, 50 g flour, 50 g water. In the morning mix 500 g strong
white flour with 350 g water and leave for an hour (autolyse), then add 100 g active starter and 10 g
salt. Do four sets of stretch and folds, thirty minutes apart. Bulk ferment until roughly doubled, about
five hours in a warm kitchen. Shape into a tight ball, put it in a floured banneton and leave it in the
fridge overnight. Bake in a preheated Dutch oven at 250°C, lid on for 20 minutes, lid off for 25.

Crust was great, crumb a bit dense: try more water next time.
""", ("baking naturally leavened bread at home with a wild yeast culture",
      "how long to prove the dough in the cold before it goes in the oven")),

    NoteDoc("Notes/Travel/lisbon_may_2023.md", """# Lisbon, four days in May

Day 1: land at 11:00, metro to Baixa, check in at the guesthouse near Rossio. Afternoon walk up to the
castle, sunset at the Miradouro da Senhora do Monte.

Day 2: tram 28 early before the crowds, Alfama, then pastéis de nata in Belém and the Jerónimos monastery.

Day 3: day trip by train to Sintra. Pena Palace tickets booked for 10:30, bring a jacket.

Day 4: LX Factory market, then the airport. Budget about 90 euros a day each; the Viva Viagem card covers
the metro and trams.
""", ("itinerary for our city break in the Portuguese capital",
      "which day were we visiting the fairytale castle in the hills outside town")),

    NoteDoc("Notes/Travel/highlands_road_trip.md", """# Highlands road trip plan

Drive from Glasgow up the west side: Loch Lomond, Glencoe, then Fort William for two nights. Ferry from
Mallaig to Skye, stay three nights in a cottage near Portree and walk the Old Man of Storr and the
Quiraing. Back via Inverness and the Cairngorms.

Book the ferry at least two weeks ahead in summer. Midges are terrible in July: pack repellent and head
nets. Fill the fuel tank whenever you can, petrol stations are far apart. Hiking boots, waterproofs, and
a paper map, because there is no phone signal in the glens.
""", ("touring the mountains and islands of northern Britain by car",
      "what to pack against the biting insects up north")),

    NoteDoc("Notes/Home/kitchen_tap.md", """# Kitchen tap

The mixer tap on the kitchen sink drips from the spout even when it is fully closed. Turned off the
isolation valve under the sink first. Prised off the cap on the hot handle, undid the screw and removed
the cartridge with a 17 mm spanner. The rubber washer at the bottom was split. Took it to the hardware
shop to match: a ceramic disc cartridge, about 12 pounds. Fitted the new one with a little silicone grease
on the O-ring, hand tight plus a quarter turn. No more drips. Keep the old one as a spare seal.
""", ("how do I stop the faucet leaking water",
      "repairing a leaky faucet by swapping the worn insert")),

    NoteDoc("Notes/Home/boiler_pressure.md", """# Boiler losing pressure

The gauge on the combi boiler keeps falling below 1 bar and the heating cuts out with fault code F22. To
top it up: find the filling loop under the boiler, open both valves slowly until the needle reads 1.5 bar,
then close them again. Checked all the radiators for weeping valves; the one in the back bedroom had a
damp patch, so I tightened the nut. If it still drops within a week, call the engineer: the expansion
vessel may need re-charging. Annual service is due in October.
""", ("the central heating keeps switching itself off, how do I repressurise it",
      "hot water system gauge needle keeps going down")),

    NoteDoc("Notes/Finance/household_budget_2024.md", """# Monthly budget 2024

Take-home pay 3,400. Fixed costs: mortgage 1,150, council tax 160, energy 140, water 38, broadband and
phones 65, car insurance 42. Groceries target 450 a month; we went over by 60 in March. Childcare 300.

Savings: 250 to the ISA on payday and 100 to the holiday pot. Cancel the unused streaming subscription and
the gym membership nobody goes to. Review in June whether we can overpay the mortgage by 100.
""", ("how much does the family spend each month on bills and food",
      "plan for the money coming in and going out of our home")),

    NoteDoc("Notes/Finance/tax_return.md", """# Self assessment checklist

Deadline to file online is 31 January; the payment on account is due the same day. Gather: P60 from work,
the interest statement from the savings account, rental income and expenses for the flat (letting agent
fees, repairs, insurance), and receipts for the work laptop. Log into the government gateway and check the
UTR number. Last year I owed 1,230, so set aside money in a separate account this time. Keep all records
for five years.
""", ("which documents do I need to declare my earnings to the revenue office",
      "cutoff date for the yearly income paperwork")),

    NoteDoc("Notes/Work/q3_planning_meeting.md", """# Q3 planning: meeting notes

Attendees: Priya, Marcus, Jo, me. Agreed the three priorities for the quarter: ship the new onboarding
flow by mid-August, cut support tickets about billing by a third, and migrate the reporting database.
Marcus worried we are understaffed on the backend; Priya will ask for a contractor.

Action items: Jo drafts the onboarding spec by Friday, I schedule the migration dry run, Marcus sends the
ticket analysis. Next check-in on the 14th.
""", ("what goals did the team settle on for the next three months",
      "who has to do which tasks after the discussion with colleagues about priorities")),

    NoteDoc("Notes/Work/performance_review.md", """# Annual review prep

Wins this year: led the payments migration with zero downtime, mentored two junior developers, cut the
nightly build time from 40 to 12 minutes. Areas to grow: speaking up earlier when projects slip, writing
more design docs.

Ask my manager about the path to staff engineer and whether there is budget for a conference. Salary: the
market rate for my level seems 8 to 10% higher, bring the data. Goals for next year: own the platform
roadmap, present at one internal tech talk per quarter.
""", ("getting ready for the yearly appraisal with my boss",
      "arguments for a pay rise and a promotion at the office")),

    NoteDoc("Notes/Health/knee_physio.md", """# Physio exercises for the knee

After the twisting injury at football the physio said it is a mild ligament strain. Do these twice a day:
straight leg raises 3x10, wall sits for 30 seconds, step-ups on the bottom stair, and heel slides. Ice for
15 minutes after exercise if it is swollen. No running for four weeks; cycling is fine. Next appointment
12 June. Pain should stay below 3 out of 10 during the exercises: stop if it gets sharp.
""", ("rehab routine for the joint I hurt",
      "what the therapist told me to do after I got injured playing soccer")),

    NoteDoc("Notes/Health/sleep.md", """# Sleep problems

Waking at 3 or 4 am most nights and can't get back to sleep. The GP suggested: the same wake-up time every
day including weekends, no caffeine after noon, no screens in the bedroom, and getting up to read in
another room if awake for more than twenty minutes. Tried magnesium, not sure it helps. Keep a diary for
two weeks: bedtime, wake time, alcohol, exercise. Follow-up appointment to discuss CBT for insomnia if no
better.
""", ("I keep lying awake in the small hours, what did the doctor recommend",
      "advice for resting better and fewer restless nights")),

    NoteDoc("Notes/Hobbies/guitar_practice.md", """# Guitar practice log

Week 6. Chord changes G to C to D are getting smoother, about 40 changes a minute now. The F barre chord
still buzzes on the B string: press closer to the fret and roll the index finger slightly. Practising the
strumming pattern down, down-up, up-down-up at 80 bpm with the metronome. Learning Wonderwall and Horse
with No Name. Fingertips finally stopped hurting. Restring with lighter gauge strings next month.
""", ("how am I getting on learning the six-string instrument",
      "tips for fingering shapes on the fretboard")),

    NoteDoc("Notes/Hobbies/birdwatching.md", """# Birds seen this spring

Reservoir walk, 6 April: great crested grebes doing their courtship dance, a pair of goldeneye, a heron on
the far bank, and the first sand martins of the year. Garden feeder: blue tits, a robin, goldfinches on the
nyjer seed, and a great spotted woodpecker on the fat balls twice. Heard a chiffchaff in the park on the
20th. Want to get better binoculars (8x42) and learn birdsong with an app.
""", ("which feathered wildlife did I spot by the lake",
      "list of species I observed with my field glasses")),

    NoteDoc("Notes/School/parents_evening.md", """# Parents' evening, Year 4

Mrs Okafor says Lily is doing well in reading and loves the class novel, but she rushes her maths and
makes careless errors with column subtraction. Practise times tables for ten minutes a day, especially the
7s and 8s; they use the Times Tables Rock Stars app. Her handwriting has improved. She is sometimes chatty
with her friend during carpet time. Spelling tests are every Friday; homework is due on Wednesdays.
""", ("what did the teacher say about how our daughter is progressing",
      "multiplication drills our child should do at home")),

    NoteDoc("Notes/School/science_museum_trip.txt", """School trip to the Science Museum, Tuesday 14 May.

The coach leaves school at 8:15 and returns around 4pm, so pick-up is later than usual. Sign and return
the consent form by Friday and pay 12 pounds on ParentPay. Needs a packed lunch in a disposable bag (no
nuts, no glass bottles), a named water bottle and a raincoat. School uniform with the red jumper so the
staff can spot them. Volunteer parents meet in the hall at 8:00.
""", ("what does our kid need to bring on the class outing",
      "permission slip and fee for the excursion")),

    NoteDoc("Notes/Garden/tomatoes.md", """# Tomatoes 2024

Sowed Gardener's Delight and San Marzano on the windowsill in March, potted on in April, planted in the
greenhouse in mid May. Pinch out the side shoots every few days on the cordon varieties. Water deeply at
the base in the morning, never on the leaves, to avoid blight. Feed weekly with a high-potash liquid feed
once the first truss sets. Stop the plants after five trusses in August so the fruit ripens. Blossom end
rot last year: keep the watering even.
""", ("looking after the red salad fruit I am growing under glass",
      "keeping my vegetable plants free of fungal disease")),

    NoteDoc("Notes/Garden/lawn.md", """# Lawn care plan

The grass is full of moss after the wet winter and there are bare patches by the trampoline. April: rake
out the moss with a scarifier, then apply moss killer and wait two weeks. Overseed the bare patches with a
hard-wearing seed mix and keep it watered daily until it germinates. Raise the mower blades in summer to
4 cm and don't cut in a drought. Autumn feed in September; aerate the compacted part with a fork.
""", ("fixing the patchy turf in the back yard",
      "when should I sow and mow to get a greener yard")),

    NoteDoc("Notes/Car/service_and_mot.md", """# Car service and MOT

The Golf's MOT is due on 3 September. Booked a full service at the same garage for the same morning to
save a trip. Ask them about the squealing brakes: the front pads were at 4 mm last time and probably need
replacing. Also: the rear wiper doesn't clear the screen, the tyre pressure warning came on twice, and the
air con smells musty. The quote last year was 289 for the major service. Keep the receipt for the service
history.
""", ("booking the yearly vehicle inspection and maintenance",
      "the squeaky stopping problem on my hatchback")),

    NoteDoc("Notes/Car/flat_tyre.md", """# Changing a flat tyre

Picked up a nail on the motorway. Steps that worked: hazard lights on, park on flat ground, handbrake on,
put the warning triangle out. Loosen the wheel nuts half a turn before jacking. The locking wheel nut key
is in the glove box, not in the boot. The jack point is the notch behind the front wheel arch. The
space-saver spare is limited to 50 mph. Got the puncture repaired at the tyre place for 25; they said it
was close to the sidewall but fixable.
""", ("what to do when a wheel deflates on the highway",
      "where do we keep the adapter for the anti-theft bolts on the vehicle")),

    NoteDoc("Notes/Pets/dog_vet.md", """# Biscuit at the vet

Annual booster vaccinations done on 2 March, next due March next year. Weight 14.2 kg: the vet wants him
down to 13 kg, so cut the kibble to 180 g a day and fewer treats. Flea and worm treatment every month; the
spot-on goes on the back of the neck. His back left ear was a bit red, cleaning drops twice a day for a
week. Kennel cough vaccine needed before boarding in August. Insurance excess is 99 per claim.
""", ("our pup's jabs and check-up at the animal clinic",
      "the animal doctor said the hound has to slim down")),

    NoteDoc("Notes/Shopping/new_laptop.md", """# Choosing a new laptop

Needs: at least 16 GB RAM, 512 GB SSD, a good keyboard, battery life over 10 hours, under 1.5 kg, budget
around 1,100. Shortlist: ThinkPad T14 (best keyboard, ports), MacBook Air M3 (battery, but the 8 GB base
model is too small), Dell XPS 13 (screen, but only two USB-C ports). Check reviews for fan noise. The
student discount through the uni portal might save 10%. Decide before the Black Friday sales end.
""", ("comparing portable computers to purchase",
      "which notebook PC should I get within my price range")),

    NoteDoc("Notes/Events/best_man_speech.md", """# Best man speech, draft

Open with thanks to the parents and the bridesmaids. The story about Tom getting lost on the stag do in
Prague; keep it clean for his gran. How he met Sarah at the climbing wall and pretended he had climbed
before. Something heartfelt: he is the friend who drove four hours when my dad was in hospital. Keep it
under five minutes, print it on cards in a big font. End with the toast to the happy couple.
""", ("ideas for what to say about the groom at my mate's marriage ceremony",
      "funny anecdotes for my address at the reception")),

    NoteDoc("Notes/Fitness/couch_to_5k.md", """# Couch to 5K

Three runs a week, Monday, Wednesday and Saturday, with a rest day between. Week 1: a brisk five-minute
warm-up walk, then alternate 60 seconds jogging and 90 seconds walking for 20 minutes. Week 4: 5 minutes
jog, 2.5 walk, repeat. Week 9: 30 minutes without stopping. Go slow enough to talk. Bought proper trainers
after a gait analysis. Parkrun on Saturday at 9am is the goal for the end of the programme.
""", ("beginner schedule to build up to a three mile jog",
      "novice training plan to get fit on foot")),

    NoteDoc("Notes/Home/moving_house.md", """# Moving house checklist

Two weeks before: book the removal van, start packing the loft and the spare room, order boxes and tape.
Tell the council, the energy suppliers, the bank, the GP and the dentist about the new address. Set up
Royal Mail redirection for six months. Take meter readings on the day and photograph them. Keep a first
night box with the kettle, mugs, toilet roll, phone chargers, bedding and the kids' favourite toys. Keys
to the estate agent by noon.
""", ("things to sort out before we relocate to a new home",
      "who needs to be told when we change where we live")),
)

# -- recordings (spoken by espeak-ng) --------------------------------------------------------------------
RECORDINGS: tuple[RecordingDoc, ...] = (
    RecordingDoc("Recordings/memo_001.wav",
                 "Note to self. Call the dentist on Monday morning and move my check up to the following week.",
                 ("when do I need to ring the dentist", "reschedule my teeth appointment")),
    RecordingDoc("Recordings/memo_002.wav",
                 "Shopping list for the weekend. We need milk, eggs, two loaves of bread, bananas and washing "
                 "up liquid.",
                 ("what groceries do we have to buy",)),
    RecordingDoc("Recordings/memo_003.wav",
                 "I parked the car on level three of the multi storey, bay number forty two, near the lifts.",
                 ("where did I leave the car", "which floor of the car park am I on")),
    RecordingDoc("Recordings/memo_004.wav",
                 "The plumber is coming on Thursday at nine to look at the boiler. Leave the side gate unlocked.",
                 ("what time is the heating engineer visiting",)),
    RecordingDoc("Recordings/memo_005.wav",
                 "Birthday present ideas for Sarah. A cookbook, a warm scarf, or tickets to see a concert in town.",
                 ("what should I get Sarah as a gift",)),
    RecordingDoc("Recordings/memo_006.wav",
                 "Quick recap of the client call. They want the proposal by Friday and they are asking for a "
                 "lower price.",
                 ("what did the customer ask for on the phone",)),
    RecordingDoc("Recordings/memo_007.wav",
                 "Tom recommended a book. The Martian by Andy Weir. Apparently it is funny and full of science.",
                 ("which novel did my friend suggest I read",)),
    RecordingDoc("Recordings/memo_008.wav",
                 "Remember to renew the car insurance before the end of March, and compare quotes online first.",
                 ("when does my motor policy run out",)),
    RecordingDoc("Recordings/memo_009.wav",
                 "The wifi password for the holiday cottage is blue lobster seventy seven, all lower case.",
                 ("what is the internet code at the rental house",)),
    RecordingDoc("Recordings/memo_010.wav",
                 "Idea for the garden. Build a raised bed for strawberries next to the shed and put netting over "
                 "it to keep the birds off.",
                 ("plans for growing berries in the back yard",)),
)

# -- photos (Pillow, EXIF) -------------------------------------------------------------------------------
PHOTOS: tuple[PhotoDoc, ...] = (
    PhotoDoc("Photos/Holidays/Beach trip Portugal 2023/IMG_0012.jpg", "2023:08:14 11:02:31", "Apple", "iPhone 13"),
    PhotoDoc("Photos/Holidays/Beach trip Portugal 2023/IMG_0013.jpg", "2023:08:15 18:40:05", "Apple", "iPhone 13"),
    PhotoDoc("Photos/Holidays/Skiing Austria 2022/IMG_3301.jpg", "2022:02:12 10:15:00", "Canon", "Canon EOS 80D"),
    PhotoDoc("Photos/Family/Grandma 90th birthday/DSC_1044.jpg", "2023:05:20 15:30:12", "SONY", "ILCE-7M3"),
    PhotoDoc("Photos/Family/Grandma 90th birthday/DSC_1045.jpg", "2023:05:20 15:42:40", "SONY", "ILCE-7M3"),
    PhotoDoc("Photos/Family/Christmas 2022/IMG_2201.jpg", "2022:12:25 13:05:00", "Apple", "iPhone 12"),
    PhotoDoc("Photos/Family/First day at school/IMG_4410.jpg", "2023:09:06 08:20:00", "Apple", "iPhone 13"),
    PhotoDoc("Photos/Receipts/Dishwasher warranty/scan_0001.jpg", "2024:01:10 19:00:00", "samsung", "SM-G991B"),
    PhotoDoc("Photos/Receipts/Restaurant dinner London/scan_0002.jpg", "2024:02:03 22:10:00", "samsung",
             "SM-G991B"),
    PhotoDoc("Photos/Garden/Tomatoes/IMG_5120.jpg", "2024:07:18 09:00:00", "Apple", "iPhone 13"),
    PhotoDoc("Photos/Garden/Tomatoes/IMG_5121.jpg", "2023:07:22 09:00:00", "Apple", "iPhone 12"),
    PhotoDoc("Photos/Garden/Pond build/IMG_5301.jpg", "2024:04:28 14:20:00", "Apple", "iPhone 13"),
    PhotoDoc("Photos/Pets/Puppy Max/IMG_6001.jpg", "2021:10:03 16:45:00", "Google", "Pixel 5"),
    PhotoDoc("Photos/Car/Scratch on bumper/IMG_7002.jpg", "2024:03:15 08:05:00", "Apple", "iPhone 13"),
    PhotoDoc("Photos/House/Kitchen renovation/IMG_8100.jpg", "2022:06:30 12:00:00", "Google", "Pixel 5"),
    PhotoDoc("Photos/Events/Wedding Anna and Ben/DSC_9001.jpg", "2022:09:17 17:30:00", "NIKON CORPORATION",
             "NIKON D750"),
    PhotoDoc("Photos/Hiking/Lake District/IMG_9500.jpg", "2023:10:08 11:11:00", "Google", "Pixel 5"),
)

_BEACH = ("Photos/Holidays/Beach trip Portugal 2023/IMG_0012.jpg",
          "Photos/Holidays/Beach trip Portugal 2023/IMG_0013.jpg")
_GRANDMA = ("Photos/Family/Grandma 90th birthday/DSC_1044.jpg", "Photos/Family/Grandma 90th birthday/DSC_1045.jpg")

PHOTO_QUERIES: tuple[PhotoQuery, ...] = (
    PhotoQuery(_BEACH, "beach holiday in Portugal"),
    PhotoQuery(_BEACH, "seaside", date(2023, 6, 1), date(2023, 9, 1), Kind.PHOTO),
    PhotoQuery(_GRANDMA, "grandma's birthday party"),
    PhotoQuery(_GRANDMA, "granny turning ninety"),
    PhotoQuery(("Photos/Holidays/Skiing Austria 2022/IMG_3301.jpg",), "ski trip in the Alps"),
    PhotoQuery(("Photos/Family/Christmas 2022/IMG_2201.jpg",), "Christmas with the family"),
    PhotoQuery(("Photos/Family/First day at school/IMG_4410.jpg",), "first school day"),
    PhotoQuery(("Photos/Receipts/Dishwasher warranty/scan_0001.jpg",), "dishwasher guarantee receipt"),
    PhotoQuery(("Photos/Receipts/Restaurant dinner London/scan_0002.jpg",), "restaurant bill from London"),
    PhotoQuery(("Photos/Garden/Tomatoes/IMG_5120.jpg",), "tomato plants", date(2024, 1, 1), None, Kind.PHOTO),
    PhotoQuery(("Photos/Garden/Tomatoes/IMG_5121.jpg",), "tomato plants", None, date(2024, 1, 1), Kind.PHOTO),
    PhotoQuery(("Photos/Garden/Pond build/IMG_5301.jpg",), "building the garden pond"),
    PhotoQuery(("Photos/Pets/Puppy Max/IMG_6001.jpg",), "Max as a puppy"),
    PhotoQuery(("Photos/Car/Scratch on bumper/IMG_7002.jpg",), "scratch on the car bumper"),
    PhotoQuery(("Photos/House/Kitchen renovation/IMG_8100.jpg",), "kitchen renovation"),
    PhotoQuery(("Photos/Events/Wedding Anna and Ben/DSC_9001.jpg",), "Anna and Ben's wedding"),
    PhotoQuery(("Photos/Hiking/Lake District/IMG_9500.jpg",), "hiking in the Lake District"),
    PhotoQuery(("Photos/Events/Wedding Anna and Ben/DSC_9001.jpg",), "pictures taken with the Nikon"),
    # Filters only (no words): every photo that passes, newest first.
    PhotoQuery(("Photos/Family/Christmas 2022/IMG_2201.jpg",), None, date(2022, 12, 1), date(2023, 1, 1), Kind.PHOTO),
    PhotoQuery(("Photos/Receipts/Dishwasher warranty/scan_0001.jpg",
                "Photos/Receipts/Restaurant dinner London/scan_0002.jpg"), None, date(2024, 1, 1),
               date(2024, 3, 1), Kind.PHOTO),
)

# Rare words or names copied from one note: what keyword search is for.
EXACT_QUERIES: tuple[tuple[str, str], ...] = (
    ("F22 fault code", "Notes/Home/boiler_pressure.md"),
    ("UTR number", "Notes/Finance/tax_return.md"),
    ("Mrs Okafor", "Notes/School/parents_evening.md"),
    ("banneton", "Notes/Recipes/sourdough.txt"),
    ("Quiraing", "Notes/Travel/highlands_road_trip.md"),
    ("ParentPay", "Notes/School/science_museum_trip.txt"),
    ("nyjer", "Notes/Hobbies/birdwatching.md"),
    ("Jeronimos monastery", "Notes/Travel/lisbon_may_2023.md"),
    ("Wonderwall", "Notes/Hobbies/guitar_practice.md"),
    ("ThinkPad T14", "Notes/Shopping/new_laptop.md"),
    ("Priya contractor", "Notes/Work/q3_planning_meeting.md"),
    ("kibble", "Notes/Pets/dog_vet.md"),
    ("scarifier", "Notes/Garden/lawn.md"),
    ("Parkrun", "Notes/Fitness/couch_to_5k.md"),
)

# Nothing in the corpus is about these: without filters they should find nothing (or next to nothing).
OFF_TOPIC: tuple[str, ...] = (
    "quantum chromodynamics lattice gauge",
    "medieval siege trebuchet ballistics",
    "volcanic eruption tectonic magma",
    "cryptocurrency blockchain mining rig",
    "baroque harpsichord counterpoint",
    "submarine sonar torpedo",
)


# -- writing it ------------------------------------------------------------------------------------------
def have_espeak() -> bool:
    return shutil.which("espeak-ng") is not None


def speak(text: str, out: Path, voice: tuple[str, ...]) -> None:
    """``text`` spoken to a mono WAV (espeak-ng writes 22.05 kHz; faster-whisper resamples any rate)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["espeak-ng", *voice, "-w", str(out), text], check=True, capture_output=True, timeout=60)


def write_photo(path: Path, doc: PhotoDoc, seed: int) -> None:
    """A 640x480 JPEG of seeded colour blocks over a gradient, with EXIF date and camera."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    h, w = 480, 640
    base = rng.integers(0, 256, size=(2, 3))
    t = np.linspace(0.0, 1.0, w)[None, :, None]
    img = (base[0] * (1 - t) + base[1] * t) * np.ones((h, 1, 1))
    for _ in range(int(rng.integers(4, 10))):
        x0, y0 = int(rng.integers(0, w - 60)), int(rng.integers(0, h - 60))
        x1, y1 = x0 + int(rng.integers(40, 260)), y0 + int(rng.integers(40, 200))
        img[y0:y1, x0:x1] = rng.integers(0, 256, size=3)
    pil = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")
    exif = pil.getexif()
    exif[271] = doc.make
    exif[272] = doc.model
    exif.get_ifd(0x8769)[36867] = doc.taken
    path.parent.mkdir(parents=True, exist_ok=True)
    pil.save(path, "JPEG", quality=85, exif=exif)


def build_corpus(root: Path, with_speech: bool | None = None) -> list[EvalQuery]:
    """Write the corpus under ``root`` (created if needed) and return its labelled queries.

    ``with_speech`` defaults to whether espeak-ng is installed; without it there are no recordings and no
    recording queries. Running it twice on the same folder writes the same bytes and timestamps.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    speech = have_espeak() if with_speech is None else with_speech
    queries: list[EvalQuery] = []

    for note in NOTES:
        p = root / note.path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(note.text, encoding="utf-8")
        os.utime(p, (FIXED_MTIME, FIXED_MTIME))
        for q in note.queries:
            queries.append(EvalQuery("note", (note.path,), text=q, label=q))
    for text, expected in EXACT_QUERIES:
        queries.append(EvalQuery("note_exact", (expected,), text=text, label=text))

    if speech:
        for i, rec in enumerate(RECORDINGS):
            p = root / rec.path
            speak(rec.speech, p, RECORDING_VOICE)
            os.utime(p, (FIXED_MTIME, FIXED_MTIME))
            for j, q in enumerate(rec.queries):
                # In a hidden folder, which the scanner's default excludes (".*") keep out of the index.
                voice = Path(QUERY_DIR) / f"query_{i + 1:03d}_{j + 1}.wav"
                speak(q, root / voice, QUERY_VOICE)
                queries.append(EvalQuery("recording_voice", (rec.path,), voice_path=str(voice), label=q))
                queries.append(EvalQuery("recording_text", (rec.path,), text=q, label=q))

    for i, photo in enumerate(PHOTOS):
        p = root / photo.path
        write_photo(p, photo, seed=1000 + i)
        taken = datetime.strptime(photo.taken, "%Y:%m:%d %H:%M:%S").timestamp()
        os.utime(p, (taken, taken))
    queries.extend(photo_queries(PHOTO_QUERIES))
    return queries


def photo_queries(pqs: tuple[PhotoQuery, ...]) -> list[EvalQuery]:
    """Labelled photo queries as ``EvalQuery`` (the label shows the dates a query is limited to)."""
    out = []
    for pq in pqs:
        label = pq.text or "(filters only)"
        if pq.after or pq.before:
            label += f" [{pq.after or ''}..{pq.before or ''}]"
        out.append(EvalQuery("photo", pq.expected, text=pq.text, kind=pq.kind, after=pq.after,
                             before=pq.before, label=label))
    return out
