"""The words of the second fusion evaluation corpus (issue 16), gold marked inline.

``make.py`` beside this file turns it into ``dev/`` and ``heldout/`` with their gold files.
Markup as in scripts/fusion_eval_corpus.py: ``[surface|entity-id]`` marks a gold mention;
a person's title stays outside the brackets, so does a possessive's "'s"; a caption's common
noun is marked on its head noun only.

Two halves built the same way with different casts: DEV is for tuning, HELDOUT is only
ever reported. Neither is used to train the pair model. Each half has the error classes of
issue 16, in texts written in other styles than data/fusion-eval's short news (a review, a
listings page, a dive blog, a wire story, an interview transcript, an encyclopaedia entry,
council and court reports, a political sketch, results tables):

* the same full name for two people in unrelated documents (Daniel Okafor the saxophonist
  and Daniel Okafor the Manchester councillor; James Whitaker the sheep farmer and James
  Whitaker the Austin founder), while the same person appears in two documents too;
* one word or two ("DeLaCruz" / "De La Cruz", "DiStefano" / "Di Stefano"), transliterated
  first names ("Youssef" / "Yusuf", "Sergei" / "Sergey", "Mohammed" / "Muhammad"), hyphens,
  diacritics and their transliterations ("Zsófia" / "Zsofia", "Müller" / "Mueller");
* abbreviations with and without periods ("U.K." / "UK" / "United Kingdom", "U.N." /
  "United Nations", "U.S." / "United States", "E.U." / "EU" / "European Union");
* a title before a surname in a document that never gives the full name ("Inspector
  Varga", "Admiral Hopper", "Commissioner Tanaka", "Superintendent Okoro");
* a city and a landmark whose name contains it (Geneva / Lake Geneva, Sydney / Sydney
  Harbour Bridge, Panama / Panama Canal);
* names NER types inconsistently across documents (a country at the start of a sentence,
  a person's name inside a band or company name);
* captions whose people are named by occupation ("photographer", "scientist",
  "astronaut", "commander"), and an article folder that names two people beside a picture
  with one person in it (the article's subject is the one to ground).

Everyone in the news texts is fictional except where a note says otherwise; Grace Hopper
and Howard Aiken (dev) and Eileen Collins (held-out) are real, as are the places and the
large organisations.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------------------
# DEV
# ---------------------------------------------------------------------------------------

DEV_ENTITIES: dict[str, tuple[str, str]] = {
    "okafor-sax": ("PERSON", "Daniel Okafor, saxophonist from Lagos living in Leeds"),
    "okafor-cllr": ("PERSON", "Daniel Okafor, Manchester city councillor (not the saxophonist)"),
    "hannah-rudd": ("PERSON", "Hannah Rudd, pianist, plays with Okafor"),
    "delacruz": ("PERSON", "Ana De La Cruz / DeLaCruz, marine biologist, Cebu"),
    "haddad": ("PERSON", "Youssef (Yusuf) Haddad, architect, Beirut"),
    "varga": ("PERSON", "Zsófia Varga, detective inspector, Budapest police"),
    "antonov": ("PERSON", "Sergei (Sergey) Antonov, chess grandmaster"),
    "mira-antonova": ("PERSON", "Mira Antonova, chess arbiter (not Antonov)"),
    "hopper": ("PERSON", "Grace Hopper, real: computer scientist and US Navy rear admiral"),
    "aiken": ("PERSON", "Howard Aiken, real: Hopper's boss at Harvard"),
    "camera-man": ("PERSON", "the man with the camera in camera.jpg"),
    "mochi": ("OBJECT", "Mochi the cat, chelsea.jpg"),
    "brudenell": ("ORG", "Brudenell Social Club, a Leeds music venue"),
    "howard-assembly": ("FAC", "Howard Assembly Room, Leeds"),
    "leeds-jazz": ("ORG", "Leeds Jazz Society"),
    "mcc": ("ORG", "Manchester City Council"),
    "biffa": ("ORG", "Biffa, waste contractor"),
    "usc": ("ORG", "University of San Carlos, Cebu"),
    "sursock": ("ORG", "Sursock Museum, Beirut"),
    "ons": ("ORG", "Office for National Statistics"),
    "barclays": ("ORG", "Barclays"),
    "commons": ("ORG", "House of Commons"),
    "greenpeace": ("ORG", "Greenpeace"),
    "un": ("ORG", "United Nations / U.N. / UN"),
    "reuters": ("ORG", "Reuters"),
    "navy": ("ORG", "United States Navy / the Navy"),
    "harvard": ("ORG", "Harvard University"),
    "yale": ("ORG", "Yale University"),
    "fide": ("ORG", "FIDE, the world chess federation"),
    "lagos": ("GPE", "Lagos"),
    "leeds": ("GPE", "Leeds"),
    "yorkshire": ("GPE", "Yorkshire"),
    "bradford": ("GPE", "Bradford"),
    "manchester": ("GPE", "Manchester"),
    "moss-side": ("GPE", "Moss Side, Manchester"),
    "glasgow": ("GPE", "Glasgow"),
    "dublin": ("GPE", "Dublin"),
    "cebu": ("GPE", "Cebu"),
    "moalboal": ("GPE", "Moalboal, Cebu"),
    "mactan": ("GPE", "Mactan"),
    "beirut": ("GPE", "Beirut (also BEIRUT in a dateline)"),
    "paris": ("GPE", "Paris"),
    "lebanon": ("GPE", "Lebanon"),
    "budapest": ("GPE", "Budapest"),
    "debrecen": ("GPE", "Debrecen"),
    "uk": ("GPE", "United Kingdom / U.K. / UK"),
    "eu": ("ORG", "European Union"),
    "ireland": ("GPE", "Ireland"),
    "geneva": ("GPE", "Geneva, the city"),
    "lake-geneva": ("LOC", "Lake Geneva (not the city)"),
    "lausanne": ("GPE", "Lausanne"),
    "armenia": ("GPE", "Armenia"),
    "azerbaijan": ("GPE", "Azerbaijan"),
    "vienna": ("GPE", "Vienna"),
    "jordan": ("GPE", "Jordan, the country"),
    "amman": ("GPE", "Amman"),
    "egypt": ("GPE", "Egypt"),
    "us": ("GPE", "United States"),
    "moscow": ("GPE", "Moscow"),
    "russia": ("GPE", "Russia"),
    "wijk": ("GPE", "Wijk aan Zee"),
    "netherlands": ("GPE", "the Netherlands"),
    "tapestry": ("ORG", "Tapestry Records, a Leeds label"),
    "london": ("GPE", "London"),
    "manila": ("GPE", "Manila"),
    "switzerland": ("GPE", "Switzerland"),
    "aa": ("ORG", "Architectural Association, London"),
    "bbc-leeds": ("ORG", "BBC Radio Leeds"),
    "begum": ("PERSON", "R. Begum, councillor, Manchester"),
    "walsh": ("PERSON", "T. Walsh, councillor, Manchester"),
    "nast": ("ORG", "National Academy of Science and Technology (Philippines)"),
    "visayas": ("LOC", "the Visayas"),
    "unesco": ("ORG", "UNESCO"),
    "met-office": ("ORG", "Met Office"),
    "scotland": ("GPE", "Scotland"),
    "aberdeen": ("GPE", "Aberdeen"),
    "abdullah": ("PERSON", "King Abdullah of Jordan (real)"),
    "cairo": ("GPE", "Cairo"),
    "zurich": ("GPE", "Zurich"),
    "aktc": ("ORG", "Aga Khan Trust for Culture"),
    "muscat": ("GPE", "Muscat"),
    "dot": ("ORG", "Department of Tourism (Philippines)"),
    "hungary": ("GPE", "Hungary"),
}

DEV_NEWS: dict[str, str] = {
    "01_okafor_review.txt":
        "Saxophonist [Daniel Okafor|okafor-sax] filled the [Brudenell Social Club|brudenell] on Friday night "
        "with a set that leaned hard on the Afrobeat of his childhood in [Lagos|lagos]. [Okafor|okafor-sax], "
        "who moved to [Leeds|leeds] in 2015, was joined by the pianist [Hannah Rudd|hannah-rudd] for two slow "
        "ballads, and the room went quiet for the first time all evening. It was the best gig I have seen in "
        "[Yorkshire|yorkshire] this year.",
    "02_jazz_listings.txt":
        "WHAT'S ON: JAZZ WEEKENDER, 14-16 JUNE\n"
        "Friday. [Daniel Okafor|okafor-sax] and band at the [Howard Assembly Room|howard-assembly], 8pm.\n"
        "Saturday. [Hannah Rudd|hannah-rudd], solo piano, 7.30pm.\n"
        "Sunday. An afternoon workshop led by [Okafor|okafor-sax] for young musicians from [Leeds|leeds] and "
        "[Bradford|bradford]. Free, but booking is essential through the [Leeds Jazz Society|leeds-jazz].",
    "03_okafor_bins.txt":
        "Councillor [Daniel Okafor|okafor-cllr] has called for an independent review of bin collections in "
        "[Moss Side|moss-side] after residents complained of missed pickups for a third week running. "
        "[Okafor|okafor-cllr], who chairs the neighbourhoods committee at [Manchester City Council|mcc], said "
        "the contractor [Biffa|biffa] had run out of excuses. A spokesperson for [Biffa|biffa] blamed staff "
        "shortages and said crews would work on Saturday to clear the backlog. The full council debates the "
        "motion in [Manchester|manchester] next Wednesday.",
    "04_delacruz_reef.txt":
        "Marine biologist [Ana De La Cruz|delacruz] of the [University of San Carlos|usc] has mapped coral "
        "bleaching along the coast of [Cebu|cebu] for six years. In a paper published this month, "
        "[De La Cruz|delacruz] and her students report that reefs off [Moalboal|moalboal] recovered faster "
        "after the 2020 heatwave than those around [Mactan|mactan], where runoff from new resorts clouds "
        "the water.",
    "05_dive_blog.txt":
        "Dive log, day three. Our guide this morning was none other than [Ana DeLaCruz|delacruz], the reef "
        "scientist whose bleaching maps everybody in [Cebu|cebu] seems to quote. [DeLaCruz|delacruz] showed us "
        "a plate coral that was bone white two years ago and is now brown and healthy again. Grilled fish for "
        "lunch in [Moalboal|moalboal], then a lazy afternoon dive along the wall.",
    "06_haddad_museum.txt":
        "The new wing of the [Sursock Museum|sursock] in [Beirut|beirut] was designed by [Youssef Haddad|haddad], "
        "who grew up two streets away. [Haddad|haddad] kept the cracked stone facade left by the 2020 port "
        "explosion and built the galleries behind it in pale concrete. The museum reopens to the public on "
        "the first of March.",
    "07_haddad_wire.txt":
        "[BEIRUT|beirut] ([Reuters|reuters]) - The architect [Yusuf Haddad|haddad] said on Tuesday that he would "
        "give his fee for the museum restoration to families who lost their homes in the blast. "
        "[Haddad|haddad], 58, studied in [Paris|paris] and has worked in [Lebanon|lebanon] since the end of the "
        "civil war.",
    "08_varga_arrests.txt":
        "[Budapest|budapest] police have arrested two men over a string of thefts from holiday flats in the "
        "city centre. Detective Inspector [Zsófia Varga|varga], who led the inquiry, said the suspects had "
        "copied keys left in lockboxes by landlords. [Varga|varga] thanked residents for their tips and urged "
        "owners to change their codes.",
    "09_varga_court.txt":
        "Two men accused of burgling holiday flats in [Budapest|budapest] appeared in court on Monday. "
        "Inspector [Varga|varga] told the judges that the pair had working keys to fourteen apartments when "
        "they were stopped. The men, both from [Debrecen|debrecen], deny the charges.",
    "10_varga_profile.txt":
        "Twenty years on the force have not dulled the curiosity of [Zsofia Varga|varga]. Since she joined the "
        "[Budapest|budapest] police in 2004 she has worked on fraud, arson and, lately, a run of burglaries "
        "that she solved by reading the small print of rental listings.",
    "11_trade_figures.txt":
        "Exports from the [U.K.|uk] to the [European Union|eu] fell by 4 percent in the first quarter, "
        "according to the [Office for National Statistics|ons]. Economists at [Barclays|barclays] said the "
        "[UK|uk] was still adjusting to customs checks at the border, while trade with [Ireland|ireland] held "
        "up better than expected.",
    "12_commons_sketch.txt":
        "It was a long, warm afternoon in the [House of Commons|commons]. The minister insisted, three times, "
        "that the [United Kingdom|uk] would meet its climate targets, and three times the benches opposite "
        "laughed. Outside, activists from [Greenpeace|greenpeace] unrolled a banner that read: the "
        "[U.K.|uk] is on fire.",
    "13_lake_swim.txt":
        "Swimmers are back in [Lake Geneva|lake-geneva] after the water warmed to 19 degrees this week. Lifeguards "
        "in [Geneva|geneva] opened the lakeside baths on Saturday, two weeks earlier than last year. Across the "
        "water in [Lausanne|lausanne] the beaches stay closed until July because of algae.",
    "14_geneva_talks.txt":
        "Delegates from [Armenia|armenia] and [Azerbaijan|azerbaijan] met in [Geneva|geneva] on Thursday for a "
        "second round of talks hosted by the [United Nations|un]. A [U.N.|un] spokesperson described the "
        "meeting as frank. The next round is due in [Vienna|vienna] in the autumn, the [UN|un] said.",
    "15_jordan_water.txt":
        "[Jordan|jordan] will host a regional water summit next spring, officials in [Amman|amman] said on "
        "Sunday. Ministers from [Egypt|egypt] and [Lebanon|lebanon] have been invited, and the "
        "[United Nations|un] will send observers.",
    "16_jordan_aid.txt":
        "Aid agencies say refugee camps in northern [Jordan|jordan] are short of water for the third summer in a "
        "row. The [U.N.|un] refugee agency has asked donors for another 40 million dollars.",
    "17_hopper_anecdote.txt":
        "When Admiral [Hopper|hopper] retired from the [Navy|navy] in 1986 she was the oldest serving officer in "
        "the [United States|us]. [Hopper|hopper] liked to hand out pieces of wire thirty centimetres long to show "
        "audiences how far light travels in a nanosecond.",
    "18_interview_rudd.txt":
        "Q: [Hannah|hannah-rudd], how did you two meet?\n"
        "A: At a jam session in [Leeds|leeds], years ago. [Daniel|okafor-sax] played so loud that the barman asked "
        "us both to leave.\n"
        "Q: And now you tour together.\n"
        "A: We do. Next month it is [Glasgow|glasgow], then [Dublin|dublin].",
    "19_antonov_wins.txt":
        "Grandmaster [Sergei Antonov|antonov] won the tournament in [Wijk aan Zee|wijk] on Sunday with a round to "
        "spare. [Antonov|antonov], who learned the game in [Moscow|moscow], beat the Dutch champion in 31 moves. "
        "The chief arbiter, [Mira Antonova|mira-antonova], said there had been no complaints about the pairings.",
    "20_antonov_fide.txt":
        "[Sergey Antonov|antonov] has asked [FIDE|fide] to let him play under a neutral flag while the ban on "
        "[Russia|russia] lasts. The federation said it would decide before the next event in the "
        "[Netherlands|netherlands].",
    "21_okafor_album.txt":
        "[Daniel Okafor|okafor-sax] releases his second album, Harmattan, on the [Leeds|leeds] label "
        "[Tapestry Records|tapestry] next month. [Okafor|okafor-sax] recorded it in four days with "
        "[Hannah Rudd|hannah-rudd] on piano. [Tapestry Records|tapestry] says the first pressing has already "
        "sold out in [London|london].",
    "22_moss_side_budget.txt":
        "Residents of [Moss Side|moss-side] packed a community hall on Tuesday to hear [Daniel Okafor|okafor-cllr], "
        "their councillor, explain cuts to youth services. [Okafor|okafor-cllr] said [Manchester City Council|mcc] "
        "had lost a third of its funding since 2010 and could not keep every centre open.",
    "23_delacruz_award.txt":
        "Dr. [De La Cruz|delacruz] has won the national prize for marine science for her work on reef recovery. "
        "The [University of San Carlos|usc], where she has taught since 2009, will name a research boat after "
        "her. Colleagues in [Manila|manila] called the award long overdue.",
    "24_un_climate.txt":
        "The [UN|un] climate chief warned on Monday that pledges made by the [U.K.|uk] and the "
        "[European Union|eu] would not be enough. Speaking in [Geneva|geneva], she said the [United Nations|un] "
        "would publish a new assessment before the summer.",
    "25_geneva_housing.txt":
        "Rents in [Geneva|geneva] are the highest in [Switzerland|switzerland], and the city has almost no empty "
        "flats. [Geneva|geneva] officials want to build ten thousand homes by 2035, some on land along the shore "
        "of [Lake Geneva|lake-geneva].",
    "26_haddad_lecture.txt":
        "[Youssef Haddad|haddad] will give this year's spring lecture at the [Architectural Association|aa] in "
        "[London|london]. [Haddad|haddad] will talk about rebuilding [Beirut|beirut] after the port explosion.",
    "27_radio_listing.txt":
        "TONIGHT, 9PM, [BBC Radio Leeds|bbc-leeds]. [Daniel Okafor|okafor-sax] talks to [Hannah Rudd|hannah-rudd] "
        "about the long road from [Lagos|lagos] to [Leeds|leeds], and plays three tracks from the new record. "
        "[Okafor|okafor-sax] also remembers his first gig in [London|london], to an audience of eleven.",
    "28_council_minutes.txt":
        "Neighbourhoods Committee, minutes of the meeting of 4 March. Present: Cllr [D. Okafor|okafor-cllr] "
        "(chair), Cllr [R. Begum|begum], Cllr [T. Walsh|walsh]. 1. Waste collection in [Moss Side|moss-side]. The "
        "chair reported continued failures by [Biffa|biffa]. Cllr [Begum|begum] asked that the contract be "
        "reviewed by the full council of [Manchester|manchester]. Agreed.",
    "29_reef_press_release.txt":
        "FOR IMMEDIATE RELEASE. The [University of San Carlos|usc] is proud to announce that Professor "
        "[Ana De La Cruz|delacruz] has been elected a fellow of the [National Academy of Science and Technology|nast]. "
        "Professor [De La Cruz|delacruz] leads the reef monitoring programme in [Cebu|cebu] and the "
        "[Visayas|visayas].",
    "30_beirut_port.txt":
        "Three years after the explosion, the port of [Beirut|beirut] is working again, but the grain silos still "
        "stand as a ruin. [UNESCO|unesco] has asked [Lebanon|lebanon] to keep them as a memorial, an idea the "
        "architect [Youssef Haddad|haddad] supports.",
    "31_varga_tv.txt":
        "Presenter: With me is Detective Inspector [Zsófia Varga|varga] of the [Budapest|budapest] police. "
        "Inspector, how did you catch them? [Varga|varga]: We read the adverts. Every flat they broke into had "
        "been listed on the same website the week before.",
    "32_uk_weather.txt":
        "The [Met Office|met-office] has issued a yellow warning for wind across northern [Scotland|scotland]. "
        "Gusts of up to 70 miles an hour are expected, the strongest to hit the [UK|uk] since February, and "
        "ferries from [Aberdeen|aberdeen] have been cancelled.",
    "33_chess_olympiad.txt":
        "The chess olympiad opens in [Budapest|budapest] on Friday. [Antonov|antonov] will not play: [FIDE|fide] "
        "has yet to rule on his request. [Mira Antonova|mira-antonova] will again be chief arbiter.",
    "34_hopper_cobol.txt":
        "[Grace Murray Hopper|hopper] pushed for computer languages that read like English, and her work led to "
        "COBOL. The [U.S. Navy|navy] recalled her to active duty in 1967. At [Harvard|harvard] she had already "
        "written the manual for the Mark I.",
    "35_jordan_king.txt":
        "King [Abdullah|abdullah] of [Jordan|jordan] met the president of [Egypt|egypt] in [Cairo|cairo] on "
        "Wednesday to discuss water and trade.",
    "36_leeds_festival.txt":
        "[Leeds|leeds] council has agreed to fund the jazz weekender for three more years. The money will go to "
        "the [Leeds Jazz Society|leeds-jazz], whose chair said acts such as [Daniel Okafor|okafor-sax] and "
        "[Hannah Rudd|hannah-rudd] now draw audiences from [Manchester|manchester] and [Glasgow|glasgow].",
    "37_geneva_banks.txt":
        "Private banks in [Geneva|geneva] manage more money than those of any other Swiss city except "
        "[Zurich|zurich]. Many have offices on the quays of [Lake Geneva|lake-geneva], a short walk from the "
        "[United Nations|un] buildings.",
    "38_haddad_award.txt":
        "The [Aga Khan Trust for Culture|aktc] has shortlisted the [Sursock Museum|sursock] wing for its "
        "architecture award. The jury praised [Haddad|haddad] for keeping the scars of the blast in view. "
        "The winners will be announced in [Muscat|muscat] in September.",
    "39_uk_un_vote.txt":
        "The [United Kingdom|uk] abstained when the [U.N.|un] General Assembly voted on the resolution. "
        "[UK|uk] diplomats said the text had been rushed, but [Ireland|ireland] and [Lebanon|lebanon] voted for it.",
    "40_cebu_tourism.txt":
        "Tourist arrivals in [Cebu|cebu] passed two million last year, the [Department of Tourism|dot] said. "
        "Divers flock to [Moalboal|moalboal] and [Mactan|mactan], and scientists such as [Ana De La Cruz|delacruz] "
        "warn that the reefs cannot take many more. [De La Cruz|delacruz] wants a cap on daily dives, an idea "
        "resorts on [Mactan|mactan] oppose.",
    "41_budapest_rentals.txt":
        "[Budapest|budapest] will limit short-term rentals in its seventh district from January. Inspector "
        "[Zsófia Varga|varga] told the council that burglaries of holiday flats had doubled. [Varga|varga] said "
        "lockboxes on doors were an open invitation. Landlords' groups in [Hungary|hungary] plan to appeal.",
}

DEV_PHOTOS: dict[str, tuple[str, str]] = {
    "hopper.jpg": ("matplotlib:grace_hopper.jpg",
                   "Rear Admiral [Grace Hopper|hopper] of the [United States Navy|navy], photographed in 1984. The "
                   "computer [scientist|hopper] wrote one of the first compilers."),
    "chelsea.jpg": ("skimage:chelsea.png",
                    "[Mochi|mochi], the neighbours' [tabby|mochi], dozing in the afternoon sun."),
    "camera.jpg": ("skimage:camera.png",
                   "On an empty field on a grey morning, a [photographer|camera-man] in a dark coat bends over his "
                   "tripod."),
}

DEV_ARTICLES: dict[str, tuple[str, dict[str, tuple[str, int | None]]]] = {
    "hopper-lecture": (
        "[Grace Hopper|hopper] joined the computation lab at [Harvard|harvard] in 1944 to work for "
        "[Howard Aiken|aiken] on the Mark I. [Aiken|aiken] was a demanding boss, and [Hopper|hopper] later said "
        "that he taught her to write everything down. The lecture series at [Yale|yale] that bears her name "
        "opens on Monday with a talk on early programming languages.",
        {"portrait.jpg": ("matplotlib:grace_hopper.jpg", 320)}),
}

# ---------------------------------------------------------------------------------------
# HELD-OUT
# ---------------------------------------------------------------------------------------

HELDOUT_ENTITIES: dict[str, tuple[str, str]] = {
    "whitaker-farm": ("PERSON", "James Whitaker, sheep farmer near Skipton"),
    "whitaker-tech": ("PERSON", "James Whitaker, founder of Loomwork, Austin (not the farmer)"),
    "iveson": ("PERSON", "Margaret Iveson, farmer, Hawes"),
    "distefano": ("PERSON", "Luca Di Stefano / DiStefano, conductor"),
    "sibelius": ("PERSON", "Jean Sibelius, the composer"),
    "alamin": ("PERSON", "Mohammed (Muhammad) Al-Amin, eye surgeon, Kano"),
    "lefebvre": ("PERSON", "Jean-Pierre Lefebvre, chef, Lyon"),
    "brandt": ("PERSON", "Zoë Brandt, climate scientist, Potsdam"),
    "mueller": ("PERSON", "Katrin Müller / Mueller, glaciologist, Zurich"),
    "tanaka": ("PERSON", "Hiroshi Tanaka, Tokyo police commissioner"),
    "okoro": ("PERSON", "Chidi Okoro, police superintendent, Lagos"),
    "ada-okoro": ("PERSON", "Ada Okoro, novelist (not the superintendent)"),
    "collins": ("PERSON", "Eileen Collins, real: NASA astronaut, the person in collins.jpg"),
    "flat-white-cup": ("OBJECT", "the cup in flat_white.jpg"),
    "cafe-table": ("OBJECT", "the table in flat_white.jpg"),
    "garage-motorbike": ("OBJECT", "the motorcycle in motorbike.jpg"),
    "melbourne": ("GPE", "Melbourne"),
    "bologna": ("GPE", "Bologna"),
    "geneva": ("GPE", "Geneva"),
    "ibadan": ("GPE", "Ibadan"),
    "nafdac": ("ORG", "National Agency for Food and Drug Administration and Control"),
    "nsw": ("GPE", "New South Wales"),
    "katsina": ("GPE", "Katsina"),
    "jigawa": ("GPE", "Jigawa"),
    "ferreira": ("PERSON", "Tomás Ferreira, photographer, the man in the darkroom article's picture"),
    "carvalho": ("PERSON", "Inês Carvalho, Ferreira's teacher (not in the picture)"),
    "gys": ("ORG", "Great Yorkshire Show"),
    "loomwork": ("ORG", "Loomwork, start-up"),
    "google": ("ORG", "Google"),
    "massimo": ("ORG", "Teatro Massimo, Palermo"),
    "oslo-phil": ("ORG", "Oslo Philharmonic"),
    "msf": ("ORG", "Doctors Without Borders / MSF"),
    "pik": ("ORG", "Potsdam Institute for Climate Impact Research"),
    "eth": ("ORG", "ETH Zurich"),
    "tokyo-police": ("ORG", "Tokyo Metropolitan Police"),
    "nasa": ("ORG", "NASA"),
    "eu": ("ORG", "European Union / E.U. / EU"),
    "wto": ("ORG", "World Trade Organization"),
    "harrogate": ("GPE", "Harrogate"),
    "skipton": ("GPE", "Skipton"),
    "hawes": ("GPE", "Hawes"),
    "austin": ("GPE", "Austin, Texas"),
    "denver": ("GPE", "Denver"),
    "palermo": ("GPE", "Palermo"),
    "oslo": ("GPE", "Oslo"),
    "kano": ("GPE", "Kano (also KANO in a dateline)"),
    "nigeria": ("GPE", "Nigeria"),
    "cairo": ("GPE", "Cairo"),
    "lyon": ("GPE", "Lyon"),
    "france": ("GPE", "France"),
    "potsdam": ("GPE", "Potsdam"),
    "germany": ("GPE", "Germany"),
    "zurich": ("GPE", "Zurich"),
    "greenland": ("GPE", "Greenland"),
    "tokyo": ("GPE", "Tokyo"),
    "osaka": ("GPE", "Osaka"),
    "lagos": ("GPE", "Lagos"),
    "us": ("GPE", "United States / U.S. / US"),
    "mexico": ("GPE", "Mexico"),
    "canada": ("GPE", "Canada"),
    "sydney": ("GPE", "Sydney, the city"),
    "harbour-bridge": ("FAC", "Sydney Harbour Bridge (not the city)"),
    "panama": ("GPE", "Panama, the country"),
    "panama-canal": ("LOC", "Panama Canal (not the country)"),
    "chad": ("GPE", "Chad, the country"),
    "sudan": ("GPE", "Sudan"),
    "lisbon": ("GPE", "Lisbon"),
    "porto": ("GPE", "Porto"),
    "texas": ("GPE", "Texas"),
    "nma": ("ORG", "Nigerian Medical Association"),
    "europe": ("LOC", "Europe"),
    "italy": ("GPE", "Italy"),
    "sokoto": ("GPE", "Sokoto"),
    "paris": ("GPE", "Paris"),
    "alps": ("LOC", "the Alps"),
    "japan": ("GPE", "Japan"),
    "pca": ("ORG", "Panama Canal Authority (not the canal, not the country)"),
    "panama-city": ("GPE", "Panama City (not the country)"),
    "unhcr": ("ORG", "UNHCR"),
    "ndjamena": ("GPE", "N'Djamena"),
    "elmira": ("GPE", "Elmira, New York"),
    "new-york": ("GPE", "New York state"),
}

HELDOUT_NEWS: dict[str, str] = {
    "01_whitaker_show.txt":
        "Sheep farmer [James Whitaker|whitaker-farm] took the top prize at the [Great Yorkshire Show|gys] in "
        "[Harrogate|harrogate] for the second year running. [Whitaker|whitaker-farm], whose family has farmed "
        "the fells above [Skipton|skipton] since the 1890s, said the dry spring had been hard on the flock and "
        "harder on the grass.",
    "02_show_results.txt":
        "RESULTS, DAY TWO. Swaledale ram, champion: [James Whitaker|whitaker-farm], [Skipton|skipton]. Reserve: "
        "[Margaret Iveson|iveson], [Hawes|hawes]. Judging resumes at nine tomorrow in the main ring at "
        "[Harrogate|harrogate].",
    "03_loomwork_funding.txt":
        "[Austin|austin] start-up [Loomwork|loomwork] has raised 40 million dollars to build scheduling software "
        "for hospitals. Its founder, [James Whitaker|whitaker-tech], left [Google|google] in 2019 after a decade "
        "of work on calendar tools. [Whitaker|whitaker-tech] said the money would pay for a second office in "
        "[Denver|denver].",
    "04_distefano_entry.txt":
        "[Luca Di Stefano|distefano] (born 1961 in [Palermo|palermo]) is an Italian conductor. "
        "[Di Stefano|distefano] was principal conductor of the [Teatro Massimo|massimo] from 1998 to 2009 and has "
        "been music director of the [Oslo Philharmonic|oslo-phil] since 2015. He is known for his recordings of "
        "[Sibelius|sibelius].",
    "05_distefano_review.txt":
        "Under [Luca DiStefano|distefano] the [Oslo Philharmonic|oslo-phil] gave a blazing account of the Fifth "
        "Symphony on Thursday. [DiStefano|distefano] took the finale faster than most, and the famous horn "
        "theme rang out over the strings like bells across [Oslo|oslo] harbour.",
    "06_alamin_clinic.txt":
        "Dr. [Mohammed Al-Amin|alamin] has opened a free eye clinic in [Kano|kano] with support from "
        "[Doctors Without Borders|msf]. [Al-Amin|alamin] trained in [Cairo|cairo] and spent ten years operating "
        "on cataracts in rural [Nigeria|nigeria] before settling in the city.",
    "07_alamin_wire.txt":
        "[KANO|kano], [Nigeria|nigeria] - Eye surgeon [Muhammad Al Amin|alamin] says his clinic treated more than "
        "3,000 patients in its first six months. Most came from villages a day's journey away, [Al Amin|alamin] "
        "said.",
    "08_lefebvre_closing.txt":
        "After forty years at the stove, chef [Jean-Pierre Lefebvre|lefebvre] will close his bistro in "
        "[Lyon|lyon] at the end of the month. [Lefebvre|lefebvre] says he wants to spend his mornings fishing "
        "instead of at the market.",
    "09_lefebvre_letter.txt":
        "Dear editor, I was sad to read that [Jean Pierre Lefebvre|lefebvre] is retiring. My husband and I had "
        "our wedding lunch at his bistro in 1987, and nowhere else in [France|france] have we eaten a better "
        "quenelle. Good luck, [Lefebvre|lefebvre], and good fishing.",
    "10_brandt_study.txt":
        "Heatwaves in central [Germany|germany] now last twice as long as they did in the 1970s, according to a "
        "study led by [Zoë Brandt|brandt] at the [Potsdam Institute for Climate Impact Research|pik]. "
        "[Brandt|brandt] said cities would need more shade and more water fountains.",
    "11_brandt_mueller.txt":
        "The climate scientist [Zoe Brandt|brandt] and the glaciologist [Katrin Mueller|mueller] of "
        "[ETH Zurich|eth] will lead a summer school in [Potsdam|potsdam] on ice and heat. [Mueller|mueller] spent "
        "last winter on the ice sheet in [Greenland|greenland].",
    "12_mueller_glacier.txt":
        "Glaciers in the Alps lost another three percent of their volume last year, said [Katrin Müller|mueller], "
        "who measures them for [ETH Zurich|eth]. In [Zurich|zurich] the news was met with a shrug.",
    "13_tanaka_briefing.txt":
        "Commissioner [Tanaka|tanaka] told reporters on Friday that street crime in [Tokyo|tokyo] had fallen for a "
        "fifth year. He credited neighbourhood patrols and better lighting in the stations.",
    "14_tanaka_appointed.txt":
        "[Hiroshi Tanaka|tanaka] has been named head of the [Tokyo Metropolitan Police|tokyo-police], the first "
        "commissioner to come from outside the capital. [Tanaka|tanaka] previously ran the force in "
        "[Osaka|osaka].",
    "15_okoro_raid.txt":
        "Superintendent [Okoro|okoro] said forty officers took part in the raid on a warehouse in the port of "
        "[Lagos|lagos], where counterfeit medicines worth two million dollars were found.",
    "16_okoro_profile.txt":
        "[Chidi Okoro|okoro] joined the police in [Lagos|lagos] in 1998 and rose to superintendent in 2016. His "
        "sister, the novelist [Ada Okoro|ada-okoro], says he reads crime fiction only to find its mistakes.",
    "17_trade_talks.txt":
        "Exports from the [United States|us] to [Mexico|mexico] rose by six percent last year, and [US|us] "
        "officials expect more after the new rules of origin. The [E.U.|eu] has asked the "
        "[World Trade Organization|wto] to look at the rules, which it says favour [Canada|canada] and "
        "[Mexico|mexico].",
    "18_eu_tariffs.txt":
        "The [European Union|eu] will put tariffs on steel from the [U.S.|us] from July. An [EU|eu] official said "
        "talks had stalled.",
    "19_sydney_bridge.txt":
        "Climbers on the [Sydney Harbour Bridge|harbour-bridge] were brought down on Tuesday when a storm rolled "
        "in over the harbour. Trains across the bridge were halted for an hour, and [Sydney|sydney] airport "
        "cancelled forty flights.",
    "20_sydney_housing.txt":
        "House prices in [Sydney|sydney] rose again in March, leaving the city the least affordable in the "
        "country for a tenth year.",
    "21_panama_canal.txt":
        "Ships are waiting up to two weeks to pass through the [Panama Canal|panama-canal] after a drought lowered "
        "the lakes that feed its locks. [Panama|panama] has cut the number of daily crossings to 24.",
    "22_chad_border.txt":
        "[Chad|chad] closed its eastern border on Monday as fighting spread in [Sudan|sudan]. Aid groups said "
        "thousands of families were already waiting to cross into [Chad|chad].",
    "23_loomwork_hospitals.txt":
        "Three hospitals in [Texas|texas] now plan their nurses' shifts with software from [Loomwork|loomwork]. "
        "[James Whitaker|whitaker-tech], who started the company in a spare room in [Austin|austin], said "
        "[Whitaker|whitaker-tech]'s team had grown to ninety people.",
    "24_alamin_award.txt":
        "Dr. [Al-Amin|alamin] received the [Nigerian Medical Association|nma] award for service on Saturday. "
        "The eye surgeon thanked the nurses of his clinic in [Kano|kano].",
    "25_lyon_guide.txt":
        "Where to eat in [Lyon|lyon]: the old bouchons around the cathedral, the covered market, and, until the "
        "end of the month, the bistro of [Jean-Pierre Lefebvre|lefebvre]. Book early: [Lefebvre|lefebvre] "
        "still cooks every plate himself.",
    "26_us_mexico.txt":
        "Trucks queued for nine hours at the border between [Mexico|mexico] and the [U.S.|us] on Friday. "
        "[US|us] customs officers said a computer fault had slowed inspections, and the "
        "[United States|us] embassy apologised to drivers.",
    "27_sydney_festival.txt":
        "The [Sydney|sydney] Festival opens on Saturday with a free concert on the steps of the Opera House. "
        "Organisers expect half a million people in [Sydney|sydney] over three weeks, and the "
        "[Sydney Harbour Bridge|harbour-bridge] will be lit in festival colours every night.",
    "28_brandt_interview.txt":
        "Q: [Zoë|brandt], why study heat rather than ice?\n"
        "A: Because heat kills more people than any other weather in [Europe|europe], and we still plan cities "
        "as if it did not.\n"
        "Q: What would you change first?\n"
        "A: Shade. [Potsdam|potsdam] planted two thousand trees last year. Every city could.",
    "29_show_blog.txt":
        "Spent the day at the [Great Yorkshire Show|gys] again. The sheep lines were the best I can remember, and "
        "[James Whitaker|whitaker-farm] was there with his champion ram, looking tired but pleased. I had tea with "
        "[Margaret Iveson|iveson], who says [Whitaker|whitaker-farm] has never once let her win.",
    "30_distefano_opera.txt":
        "Maestro [Di Stefano|distefano] returns to [Palermo|palermo] in May to conduct Tosca at the "
        "[Teatro Massimo|massimo], twenty-five years after his debut there. Tickets went on sale in [Italy|italy] "
        "on Monday and sold out within hours.",
    "31_msf_report.txt":
        "[Médecins Sans Frontières|msf] says cataract surgery could restore sight to a million people in northern "
        "[Nigeria|nigeria]. [MSF|msf] runs clinics in [Kano|kano] and [Sokoto|sokoto] with local surgeons.",
    "32_lefebvre_tv.txt":
        "On tonight's programme, chef [Lefebvre|lefebvre] cooks his last quenelle on camera, and explains why "
        "[Lyon|lyon] and not [Paris|paris] is the food capital of [France|france].",
    "33_eth_glaciers.txt":
        "Researchers at [ETH Zurich|eth] have fitted sensors to fourteen glaciers in the [Alps|alps]. Professor "
        "[Müller|mueller], who leads the work, said the data would be public. [ETH|eth] will publish it every month.",
    "34_tokyo_police.txt":
        "Police in [Tokyo|tokyo] will wear body cameras from April, Commissioner [Hiroshi Tanaka|tanaka] said. "
        "The [Tokyo Metropolitan Police|tokyo-police] is the largest force in [Japan|japan].",
    "35_panama_shipping.txt":
        "The [Panama Canal Authority|pca] said on Monday that rain in October had refilled the lakes, and more ships "
        "will cross from next month. In [Panama City|panama-city], shipping agents said the backlog would take "
        "weeks to clear. [Panama|panama] earns more than 4 billion dollars a year from the canal.",
    "36_chad_refugees.txt":
        "The [UNHCR|unhcr] says 600,000 people have fled into eastern [Chad|chad] since the war in [Sudan|sudan] "
        "began. In [N'Djamena|ndjamena], the government has asked for more help.",
    "37_collins_profile.txt":
        "[Eileen Collins|collins] grew up in [Elmira|elmira], [New York|new-york], and learned to fly in a glider. "
        "[Collins|collins] joined [NASA|nasa] in 1990 and retired in 2006.",
    "38_austin_startups.txt":
        "[Austin|austin] now has more software start-ups per head than any city in [Texas|texas]. Founders such "
        "as [James Whitaker|whitaker-tech] of [Loomwork|loomwork] say they came for the university and stayed "
        "for the rents, which are lower than in [Denver|denver].",
    "39_eu_us_steel.txt":
        "Talks between the [E.U.|eu] and the [United States|us] on steel ended without a deal in [Geneva|geneva] "
        "on Thursday. [US|us] negotiators said they would return after the summer; the [European Union|eu] said "
        "its tariffs would stay.",
    "40_lagos_police.txt":
        "[Lagos|lagos] police say counterfeit drugs seized last month were made in a factory outside "
        "[Ibadan|ibadan]. [Chidi Okoro|okoro] told reporters that six men had been charged. [Okoro|okoro] thanked "
        "the [National Agency for Food and Drug Administration|nafdac] for its help.",
    "41_sydney_ferries.txt":
        "Ferries in [Sydney|sydney] will run every ten minutes from next month, [New South Wales|nsw] transport "
        "officials said. Commuters who now drive across the [Sydney Harbour Bridge|harbour-bridge] are the target.",
    "42_kano_hospital.txt":
        "A new eye hospital opens in [Kano|kano] next week, paid for by the state government and "
        "[Médecins Sans Frontières|msf]. [Mohammed Al-Amin|alamin] will run it. [Al-Amin|alamin] said patients "
        "from [Katsina|katsina] and [Jigawa|jigawa] would be treated for free.",
    "43_palermo_season.txt":
        "The [Teatro Massimo|massimo] in [Palermo|palermo] has announced its season: Tosca under "
        "[Luca Di Stefano|distefano], a new Rigoletto, and a concert with the [Oslo Philharmonic|oslo-phil]. "
        "[Di Stefano|distefano] called it a homecoming.",
}

HELDOUT_PHOTOS: dict[str, tuple[str, str]] = {
    "flat_white.jpg": ("skimage:coffee.png",
                       "A flat white in a red [cup|flat-white-cup] on a café [table|cafe-table] in "
                       "[Melbourne|melbourne], where the drink was perfected."),
    "motorbike.jpg": ("skimage:motorcycle_left.png",
                      "A red [motorbike|garage-motorbike] parked in a garage in [Bologna|bologna]."),
    "collins.jpg": ("skimage:astronaut.png",
                    "Commander [Eileen Collins|collins] in her official [NASA|nasa] portrait. The [astronaut|collins] "
                    "flew four shuttle missions and was the first to command one."),
}

HELDOUT_ARTICLES: dict[str, tuple[str, dict[str, tuple[str, int | None]]]] = {
    "darkroom": (
        "[Tomás Ferreira|ferreira] has photographed the fields outside [Porto|porto] every winter morning for "
        "thirty years. He learned the craft from [Inês Carvalho|carvalho], who ran a darkroom in "
        "[Lisbon|lisbon] in the 1980s. [Ferreira|ferreira] still shoots on film, and still develops every roll "
        "himself, as [Carvalho|carvalho] taught him.",
        {"field.jpg": ("skimage:camera.png", 400)}),
}
