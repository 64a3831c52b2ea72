"""The words of the fusion evaluation corpus, with its gold annotations inline.

`scripts/make_fusion_eval.py` turns this into `data/fusion-eval/` and its `gold.json`.
Every text here is written in a small markup: ``[surface|entity-id]`` marks a gold mention
(the surface is what lands in the file; the brackets and the id do not). A person's title
stays outside the brackets ("Dr. [Anna Kowalczyk|anna-kowalczyk]"), a possessive's "'s" too,
and a caption's common noun is marked on the head noun only ("A [man|bus-man-coat] in
a cream coat"). Offsets are computed by the generator from the markup, never by hand.

Everyone in NEWS and SPEECH is fictional, and so are the organisations other than NASA,
Real Madrid, EMT Madrid and the Nordic Council. The photos' people are real: Eileen Collins
(NASA portrait), Zinedine Zidane and Carlo Ancelotti (ultralytics' zidane.jpg).

The cast is built to test both halves of resolution: one person under many surface forms
(full name, surname, "Dr." + surname, possessive, spelling without diacritics, a first name
alone), and different people whose names are close (Anna Kowalczyk / Anna Kowalska / Adam
Kowalski; Peter / Petra Lindqvist; Jon / John Harper), some sharing a city, so that a name
key alone cannot keep them apart. News and speech avoid the nouns the object lexicon maps to
COCO classes (kgbuild/visual_words.py: "pilot", "officer", "player", "car", "plane"...), so
every extractable mention in them is a marked name.
"""

from __future__ import annotations

# id -> (type, note). Types: PERSON, ORG, GPE, LOC for names; OBJECT for a detected non-person thing.
ENTITIES: dict[str, tuple[str, str]] = {
    # fictional cast
    "anna-kowalczyk": ("PERSON", "chemist, Baltic Institute of Chemistry, Gdansk"),
    "anna-kowalska": ("PERSON", "city councillor, Gdansk (not the chemist)"),
    "adam-kowalski": ("PERSON", "striker, FC Vistula, Krakow; grew up in Gdansk"),
    "tomasz-wroblewski": ("PERSON", "engineer, Kowalczyk's deputy at the Baltic Institute of Chemistry"),
    "peter-lindqvist": ("PERSON", "chief engineer, Northwind Aerospace, Gothenburg"),
    "petra-lindqvist": ("PERSON", "novelist, Uppsala (no relation of Peter)"),
    "jon-harper": ("PERSON", "judge, Tucson District Court"),
    "john-harper": ("PERSON", "test flight captain, Northwind Aerospace; grew up in Tucson"),
    "marek-zielinski": ("PERSON", "president of FC Vistula"),
    "rosa-delgado": ("PERSON", "Tucson city attorney"),
    "karin-sjoberg": ("PERSON", "chief executive, Northwind Aerospace"),
    "ewa-nowicka": ("PERSON", "mayor of Gdansk (fictional)"),
    "bic": ("ORG", "Baltic Institute of Chemistry (BIC), Gdansk"),
    "fc-vistula": ("ORG", "football club, Krakow"),
    "northwind": ("ORG", "Northwind Aerospace, Gothenburg"),
    "nasb": ("ORG", "Nordic Aviation Safety Board (NASB)"),
    "tucson-court": ("ORG", "Tucson District Court"),
    "ecs": ("ORG", "European Chemical Society (fictional here)"),
    "nordic-council": ("ORG", "Nordic Council (real), gives a literature prize"),
    "az-appeals": ("ORG", "Arizona Court of Appeals"),
    # places
    "gdansk": ("GPE", "Gdansk, Poland (also written Gdańsk)"),
    "krakow": ("GPE", "Krakow, Poland (also Kraków)"),
    "lublin": ("GPE", "Lublin, Poland"),
    "munich": ("GPE", "Munich"),
    "hamburg": ("GPE", "Hamburg"),
    "germany": ("GPE", "Germany"),
    "poland": ("GPE", "Poland"),
    "gothenburg": ("GPE", "Gothenburg, Sweden"),
    "sweden": ("GPE", "Sweden"),
    "uppsala": ("GPE", "Uppsala, Sweden"),
    "oslo": ("GPE", "Oslo"),
    "gotland": ("LOC", "Gotland, Swedish island"),
    "kattegat": ("LOC", "the Kattegat sea"),
    "tucson": ("GPE", "Tucson, Arizona"),
    "arizona": ("GPE", "Arizona"),
    "phoenix": ("GPE", "Phoenix, Arizona"),
    "madrid": ("GPE", "Madrid"),
    # real people and organisations of the photos
    "eileen-collins": ("PERSON", "NASA astronaut; the person in astronaut.jpg and the portrait article"),
    "nasa": ("ORG", "NASA"),
    "zinedine-zidane": ("PERSON", "the bald man pointing, left, in zidane.jpg"),
    "carlo-ancelotti": ("PERSON", "the grey-haired man standing, right, in zidane.jpg"),
    "real-madrid": ("ORG", "Real Madrid football club"),
    "emt": ("ORG", "EMT, Madrid's city bus company"),
    # things and unnamed people in the photos: one entity per real thing, across every copy of
    # its photo (photos/bus.jpg, its resized copy in articles/madrid-buses/ and the video made
    # from it all show the same bus and the same four people)
    "madrid-bus": ("OBJECT", "the blue EMT electric bus of bus.jpg (photo, article copy, video)"),
    "bus-man-coat": ("PERSON", "man in a cream coat, left, bus.jpg (photo, article copy, video)"),
    "bus-man-glasses": ("PERSON", "man in sunglasses and a dark coat, middle, bus.jpg (photo, article copy, video)"),
    "bus-walker": ("PERSON", "person walking out of the frame at the right edge of bus.jpg (photo, article copy, video)"),
    "bus-edge": ("PERSON", "person cut off at the bottom-left edge of bus.jpg, never captioned"),
    "zidane-tie": ("OBJECT", "Zidane's tie in zidane.jpg (photo, article copy, video)"),
    "camera-photo-man": ("PERSON", "man filming with a camera on a tripod, camera.jpg"),
    "chelsea-cat": ("OBJECT", "Chelsea the cat, chelsea.jpg"),
    "coffee-photo-cup": ("OBJECT", "espresso cup, coffee.jpg"),
    "coffee-photo-table": ("OBJECT", "wooden table under the cup, coffee.jpg"),
    "coffee-photo-spoon": ("OBJECT", "spoon on the saucer, coffee.jpg (not detected: no box)"),
    "motorcycle-photo-motorcycle": ("OBJECT", "red motorcycle, motorcycle.jpg"),
    "motorcycle-photo-bench": ("OBJECT", "wooden bench behind the motorcycle (not detected: no box)"),
}

# Photos: output name -> (source, caption). Source "skimage:<file>" or "ultralytics:<file>".
PHOTOS: dict[str, tuple[str, str]] = {
    "astronaut.jpg": ("skimage:astronaut.png",
        "[NASA|nasa] [astronaut|eileen-collins] [Eileen Collins|eileen-collins] smiles for her official portrait. "
        "The [woman|eileen-collins] wears an orange launch suit, with a flag behind her and a model "
        "of the space shuttle at her side."),
    "bus.jpg": ("ultralytics:bus.jpg",
        "A blue electric [bus|madrid-bus] waits on a sunny street in [Madrid|madrid]. A "
        "[man|bus-man-coat] in a cream coat stands in front of it beside a "
        "[man|bus-man-glasses] in sunglasses, and a [person|bus-walker] walks out of "
        "the picture on the right."),
    "zidane.jpg": ("ultralytics:zidane.jpg",
        "[Zinedine Zidane|zinedine-zidane] shouts and points from the touchline as "
        "[Carlo Ancelotti|carlo-ancelotti] looks on. [Zidane|zinedine-zidane], in a dark suit and a "
        "[tie|zidane-tie], leans forward; the older [man|carlo-ancelotti] stands behind him."),
    "camera.jpg": ("skimage:camera.png",
        "A [man|camera-photo-man] in a long dark coat films with a camera on a tripod in an open "
        "grassy field."),
    "chelsea.jpg": ("skimage:chelsea.png",
        "A close-up of [Chelsea|chelsea-cat], a striped [cat|chelsea-cat] with green eyes."),
    "coffee.jpg": ("skimage:coffee.png",
        "A [cup|coffee-photo-cup] of espresso stands on a red saucer with a [spoon|coffee-photo-spoon], "
        "on an old wooden [table|coffee-photo-table]."),
    "motorcycle.jpg": ("skimage:motorcycle_left.png",
        "A red [motorcycle|motorcycle-photo-motorcycle] is parked in a garage next to a wooden "
        "[bench|motorcycle-photo-bench] and shelves of boxes."),
}

# Article folders: name -> (article text, {image name: (source, width)}). Images are resized
# copies (other bytes, other boxes than photos/), so each folder is its own scene.
ARTICLES: dict[str, tuple[str, dict[str, tuple[str, int]]]] = {
    "collins-portrait": (
        "[Eileen Collins|eileen-collins] was selected by [NASA|nasa] in 1990 and in 1999 became the first "
        "female commander of a shuttle mission. In this official portrait [Collins|eileen-collins] "
        "wears the orange suit that crews put on for launch and landing. She retired from "
        "[NASA|nasa] in 2006 and has since spoken often about the history of spaceflight.",
        {"portrait.jpg": ("skimage:astronaut.png", 384)}),
    "touchline": (
        "[Zinedine Zidane|zinedine-zidane] and [Carlo Ancelotti|carlo-ancelotti] shared a touchline at "
        "[Real Madrid|real-madrid], where [Zidane|zinedine-zidane] was [Ancelotti|carlo-ancelotti]'s "
        "assistant before he took charge of the club himself. In the photo [Zidane|zinedine-zidane] "
        "is the bald [man|zinedine-zidane] pointing across the field, his [tie|zidane-tie] "
        "loose, and [Ancelotti|carlo-ancelotti] watches from behind him on the right.",
        {"touchline.jpg": ("ultralytics:zidane.jpg", 960)}),
    "madrid-buses": (
        "[Madrid|madrid]'s city transport company, [EMT|emt], now runs a fleet of small electric "
        "vehicles through the old centre. The [bus|madrid-bus] in the photo is marked \"cero "
        "emisiones\". A [man|bus-man-coat] in a cream coat waits in front of it, next to a "
        "[man|bus-man-glasses] wearing sunglasses.",
        {"street.jpg": ("ultralytics:bus.jpg", 540)}),
}

NEWS: dict[str, str] = {
    "01_bic_catalyst.txt":
        "Chemists at the [Baltic Institute of Chemistry|bic] in [Gdańsk|gdansk] say they have made a "
        "cheap catalyst that splits water with iron instead of platinum. The work was led by Dr. "
        "[Anna Kowalczyk|anna-kowalczyk], who joined the institute in 2015 after a decade in "
        "[Munich|munich]. \"It is not magic, it is patience,\" [Kowalczyk|anna-kowalczyk] said on "
        "Tuesday. Her colleague [Tomasz Wróblewski|tomasz-wroblewski] built the test reactor. The "
        "[BIC|bic] hopes to license the process within two years.",
    "02_kowalski_hat_trick.txt":
        "[Adam Kowalski|adam-kowalski] scored three goals as [FC Vistula|fc-vistula] beat the visitors "
        "from [Lublin|lublin] 4-1 in [Kraków|krakow] on Saturday. The 24-year-old striker has now "
        "scored eleven times this season. \"[Kowalski|adam-kowalski] was everywhere tonight,\" said the "
        "club's president, [Marek Zieliński|marek-zielinski]. [Kowalski|adam-kowalski]'s contract runs "
        "until 2027, and scouts from [Germany|germany] watched the match.",
    "03_northwind_test_flight.txt":
        "[Northwind Aerospace|northwind] flew its hydrogen demonstrator for the first time on Monday, "
        "from its test field outside [Gothenburg|gothenburg]. The forty-minute flight was commanded by "
        "Captain [John Harper|john-harper], a former air force instructor who joined "
        "[Northwind|northwind] in 2019. Chief engineer [Peter Lindqvist|peter-lindqvist] watched from "
        "the control room. \"The numbers look clean,\" [Lindqvist|peter-lindqvist] said afterwards. "
        "[Harper|john-harper] will fly the next test in March.",
    "04_harper_ruling.txt":
        "Judge [Jon Harper|jon-harper] of the [Tucson District Court|tucson-court] on Thursday dismissed "
        "a lawsuit brought by a group of [Arizona|arizona] landlords against the city of "
        "[Tucson|tucson]. In a 30-page opinion, [Harper|jon-harper] wrote that the rent rules \"fall "
        "squarely within the city's powers\". The landlords said they would appeal to the "
        "[Arizona Court of Appeals|az-appeals]. Judge [Harper|jon-harper] has served on the court "
        "since 2011.",
    "05_lindqvist_novel.txt":
        "The [Uppsala|uppsala] novelist [Petra Lindqvist|petra-lindqvist] has won the "
        "[Nordic Council|nordic-council]'s literature prize for her fourth novel, a family saga set on "
        "the island of [Gotland|gotland]. [Lindqvist|petra-lindqvist], 41, began writing while teaching "
        "history at a school in [Uppsala|uppsala]. The jury praised "
        "\"[Lindqvist|petra-lindqvist]'s cold, exact sentences\". She will receive the award in "
        "[Oslo|oslo] in November.",
    "06_kowalczyk_award.txt":
        "The [European Chemical Society|ecs] has named [Anna Kowalczyk|anna-kowalczyk] of "
        "[Gdańsk|gdansk] its young researcher of the year. [Kowalczyk|anna-kowalczyk]'s iron catalyst, "
        "first reported in the spring, could make hydrogen far cheaper. The prize comes with 50,000 "
        "euros, which Dr. [Kowalczyk|anna-kowalczyk] says will pay for two new research posts at the "
        "[BIC|bic]. [Wroblewski|tomasz-wroblewski], her deputy, will run the lab while she travels.",
    "07_vistula_transfer.txt":
        "[FC Vistula|fc-vistula] has turned down an offer from [Hamburg|hamburg] for its striker "
        "[Adam Kowalski|adam-kowalski], a newspaper in [Kraków|krakow] reported on Wednesday. "
        "[Kowalski|adam-kowalski], who grew up in [Gdańsk|gdansk], has scored eleven goals since "
        "August. Club president [Marek Zieliński|marek-zielinski] said [Kowalski|adam-kowalski] "
        "\"is not for sale at any price\".",
    "08_nasb_report.txt":
        "The [Nordic Aviation Safety Board|nasb] ([NASB|nasb]) has cleared "
        "[Northwind Aerospace|northwind] to continue hydrogen test flights over the "
        "[Kattegat|kattegat]. Investigators spoke to Captain [Harper|john-harper] and to "
        "[Peter Lindqvist|peter-lindqvist] after a fuel sensor failed during a flight in May. The "
        "[NASB|nasb] found that [Northwind|northwind]'s crew had followed every procedure. "
        "[Lindqvist|peter-lindqvist] said the sensor has been replaced.",
    "09_harper_appeal.txt":
        "An appeal against Judge [Jon Harper|jon-harper]'s ruling on rent rules in [Tucson|tucson] "
        "will be heard in [Phoenix|phoenix] in May. Lawyers for the landlords argue that "
        "[Harper|jon-harper] misread a state law from 1998. The city's attorney, "
        "[Rosa Delgado|rosa-delgado], said [Harper|jon-harper]'s opinion was careful and well argued.",
    "10_harper_profile.txt":
        "[John Harper|john-harper] grew up in [Tucson|tucson], [Arizona|arizona], and moved to "
        "[Sweden|sweden] in 2016 to fly for [Northwind Aerospace|northwind]. He has logged more than "
        "nine thousand hours in the air. \"[John|john-harper] has the calmest hands I know,\" says "
        "[Peter Lindqvist|peter-lindqvist]. [Harper|john-harper] is no relation of the "
        "[Tucson|tucson] judge [Jon Harper|jon-harper], although the two are often confused.",
    "11_literature_festival.txt":
        "At a literature festival in [Gothenburg|gothenburg], the novelist [Petra Lindqvist|petra-lindqvist] "
        "read from her prize-winning saga. In the audience sat [Peter Lindqvist|peter-lindqvist], the "
        "[Northwind|northwind] engineer, who is no relation. He said colleagues kept congratulating "
        "him on her prize. \"To the other [Lindqvist|peter-lindqvist],\" "
        "[Petra|petra-lindqvist] wrote in his copy.",
    "12_wroblewski_reactor.txt":
        "Engineers at the [BIC|bic] in [Gdansk|gdansk] have finished a demonstration reactor for the "
        "iron catalyst. [Tomasz Wróblewski|tomasz-wroblewski], who designed it, said it produces two "
        "kilograms of hydrogen a day. [Wróblewski|tomasz-wroblewski] worked in [Hamburg|hamburg] "
        "before joining [Anna Kowalczyk|anna-kowalczyk]'s group. [Kowalczyk|anna-kowalczyk] called the "
        "reactor \"the first step out of the lab\".",
    "13_gdansk_council.txt":
        "[Gdańsk|gdansk] city council has approved a plan to add ten thousand trees along its streets. "
        "The plan was written by councillor [Anna Kowalska|anna-kowalska], who chairs the environment "
        "committee. Mayor [Ewa Nowicka|ewa-nowicka] backed it. [Kowalska|anna-kowalska] said the first "
        "trees will go in near the old shipyard this autumn.",
    "14_northwind_funding.txt":
        "[Northwind Aerospace|northwind] has raised new money from investors in [Sweden|sweden] and "
        "[Poland|poland] to build a second hydrogen demonstrator. Chief executive "
        "[Karin Sjöberg|karin-sjoberg] said [Northwind|northwind] will hire forty engineers in "
        "[Gothenburg|gothenburg]. The new design comes from [Peter Lindqvist|peter-lindqvist]'s team, "
        "and Captain [John Harper|john-harper] will fly it.",
}

# Speech clips: name -> sentence (the reference transcript), spoken by Festival's SLT voice.
# No "Dr.", digits or hyphens: Festival reads each whitespace token as one token.
SPEECH: dict[str, str] = {
    "kowalczyk_catalyst.flac":
        "[Anna Kowalczyk|anna-kowalczyk], a chemist in [Gdansk|gdansk], says her iron catalyst could "
        "make hydrogen far cheaper.",
    "kowalski_goals.flac":
        "[Adam Kowalski|adam-kowalski] scored three goals for [FC Vistula|fc-vistula] on Saturday, and "
        "[Kowalski|adam-kowalski] now leads the league.",
    "peter_lindqvist.flac":
        "[Peter Lindqvist|peter-lindqvist], the chief engineer at [Northwind Aerospace|northwind], says "
        "the hydrogen tests will go on in the spring.",
    "petra_lindqvist.flac":
        "The novelist [Petra Lindqvist|petra-lindqvist] from [Uppsala|uppsala] has won the "
        "[Nordic Council|nordic-council] literature prize.",
    "jon_harper.flac":
        "Judge [Jon Harper|jon-harper] of the [Tucson District Court|tucson-court] dismissed the "
        "landlords' lawsuit on Thursday.",
    "john_harper.flac":
        "Captain [John Harper|john-harper] flew the [Northwind|northwind] hydrogen demonstrator for "
        "forty minutes above [Gothenburg|gothenburg].",
    "wroblewski_reactor.flac":
        "In [Gdansk|gdansk], [Tomasz Wroblewski|tomasz-wroblewski] built the test reactor for the "
        "[Baltic Institute of Chemistry|bic].",
    "kowalczyk_krakow.flac":
        "Next month, [Kowalczyk|anna-kowalczyk] and [Wroblewski|tomasz-wroblewski] will present their "
        "results at a conference in [Krakow|krakow].",
}

# Videos: name -> (photo source, sentence). The photo is shown still while the sentence is spoken.
VIDEOS: dict[str, tuple[str, str]] = {
    "bus_street.mp4": ("ultralytics:bus.jpg",
        "Look at the blue [bus|madrid-bus] on the street. A [man|bus-man-coat] in a cream coat is "
        "standing in front of it."),
    "touchline.mp4": ("ultralytics:zidane.jpg",
        "[Zinedine Zidane|zinedine-zidane] points across the field, while "
        "[Carlo Ancelotti|carlo-ancelotti] watches from behind him."),
}
