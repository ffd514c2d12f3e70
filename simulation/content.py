"""What the simulated network says and how its people behave, drawn from the seed papers.

The Third Sector Development Report (Wirral, 2016) names what the sector raised: long waiting lists
for programmes for children affected by domestic abuse, demand for safeguarding (MASH) training,
funding and sustainability, SEND and the Local Offer, NEET young people in Birkenhead and Tranmere,
youth provision and the coming youth zone (the Hive). Theme weights follow that emphasis. Boards
answer at the pace their papers suggest: the statutory safeguarding board quickly, groups that meet
bi-monthly or termly more slowly, and the Health and Wellbeing Board (top of the ladder) slowest.

Every name here is fictional; Slack ids start U0SIM, emails use example.org, identifiers use the
unassigned GB-CHC-99999xx range, links point to example.org.
"""

from __future__ import annotations

from dataclasses import dataclass

AREAS = (
    "Birkenhead",
    "Tranmere",
    "Rock Ferry",
    "Seacombe",
    "Wallasey",
    "Leasowe",
    "Moreton",
    "Bidston",
    "Prenton",
    "Upton",
    "New Ferry",
    "Bebington",
    "Hoylake",
    "West Kirby",
    "Heswall",
)


@dataclass(frozen=True)
class IssueTemplate:
    """One kind of issue an organisation raises; `{area}`, `{n}`, `{weeks}` and `{service}` are filled in."""

    theme: str  # the theme slug it belongs to (what the raiser would choose)
    title: str
    description: str
    sensitive_share: float = 0.0
    urgent_share: float = 0.1
    age_range: str | None = None
    group: str | None = None


ISSUES: tuple[IssueTemplate, ...] = (
    # Waiting lists and gaps in provision (CJCG)
    IssueTemplate(
        "waiting-lists",
        "Waiting list for the domestic abuse programme is now {weeks} weeks",
        "Our programme for children affected by domestic abuse has {n} children waiting and the wait is "
        "now {weeks} weeks. Referrals from schools in {area} keep rising and we have no extra places "
        "until the spring. Is there other provision we can signpost families to while they wait?",
        urgent_share=0.2,
        age_range="5-11",
        group="children affected by domestic abuse",
    ),
    IssueTemplate(
        "waiting-lists",
        "{n} families waiting for {service} in {area}",
        "We are turning families away: {n} are on the waiting list for {service} and the median wait is "
        "{weeks} weeks. This is a gap in provision the commissioning group should know about.",
        age_range="all",
    ),
    IssueTemplate(
        "waiting-lists",
        "No places left for young people referred by CAMHS",
        "Young people referred to us while they wait for CAMHS are now waiting {weeks} weeks for us as "
        "well. We have {n} on the list. Can the waiting list data we send each month be looked at "
        "alongside CAMHS's own?",
        age_range="12-15",
    ),
    # Funding and commissioning (CJCG)
    IssueTemplate(
        "funding-and-commissioning",
        "Funding for {service} ends in March",
        "Our grant for {service} ends in March and the replacement funding round has not opened. {n} "
        "families in {area} use the service each month. Is the service being re-commissioned?",
        urgent_share=0.15,
    ),
    IssueTemplate(
        "funding-and-commissioning",
        "Room hire costs at the community centre have doubled",
        "The community centre in {area} has doubled its room hire for evening groups. Several small "
        "groups will have to stop meeting. Could the council's buildings be offered to the sector?",
    ),
    IssueTemplate(
        "funding-and-commissioning",
        "Small groups cannot meet the tender's insurance requirement",
        "The new tender asks for £10m public liability insurance, which rules out every small group in "
        "the network. Could the commissioning group allow consortium bids?",
    ),
    # Safeguarding (WSCB, private)
    IssueTemplate(
        "safeguarding",
        "Need more dates for MASH training",
        "{n} of our staff and volunteers are waiting for a place on MASH training; the next dates are "
        "full. Could extra sessions be added, perhaps in {area}?",
        group="staff and volunteers",
    ),
    IssueTemplate(
        "safeguarding",
        "Concern about older young people waiting outside the youth club",
        "Over several weeks older young people have been waiting outside our sessions in {area} and "
        "offering lifts. We have shared what we know with MASH and would like the board to be aware of "
        "the pattern.",
        sensitive_share=0.9,
        urgent_share=0.5,
        age_range="12-15",
    ),
    IssueTemplate(
        "safeguarding",
        "Volunteers unsure how to report through the new safeguarding site",
        "Our volunteers find the new safeguarding website easy to use for training but are unsure how "
        "to make a referral out of hours. Could the board publish a one-page guide for the sector?",
    ),
    # Domestic abuse (WSCB)
    IssueTemplate(
        "domestic-abuse",
        "Children in refuge cannot get school places quickly",
        "Families arriving at the refuge in {area} wait {weeks} weeks for school places. Children miss "
        "education at the moment they most need routine.",
        sensitive_share=0.3,
        age_range="5-11",
    ),
    IssueTemplate(
        "domestic-abuse",
        "Disclosure at a group session: follow-up from MARAC unclear",
        "After a disclosure at one of our sessions we referred to MASH and the family went to MARAC, but "
        "we have heard nothing since and the child is still attending. Who should update us?",
        sensitive_share=1.0,
        urgent_share=0.6,
    ),
    # SEND (All Age Disability Strategy Partnership)
    IssueTemplate(
        "send",
        "No SEND-friendly holiday activities in {area}",
        "Parents in our forum say there are no holiday activities in {area} that can take children with "
        "autism or ADHD. The Local Offer lists two, and both are full.",
        age_range="5-11",
        group="children with SEND",
    ),
    IssueTemplate(
        "send",
        "EHCP reviews are running months late",
        "Families tell us annual EHCP reviews are {weeks} weeks late, so transition plans for school "
        "leavers are not ready. {n} families in our forum are affected.",
        age_range="16-18",
        group="young people with an EHCP",
    ),
    IssueTemplate(
        "send",
        "Short breaks: waiting for an assessment",
        "Our Saturday short breaks have places but families must wait {weeks} weeks for the assessment "
        "that makes them eligible.",
        group="disabled children and their families",
    ),
    # NEET (NEET action group)
    IssueTemplate(
        "neet",
        "Care leavers in Birkenhead and Tranmere cannot get to college",
        "Care leavers we mentor have college places but no affordable way to get there. Bus passes stop "
        "at 18. {n} young people are affected this term.",
        age_range="16-18",
        group="care leavers not in education, employment or training",
    ),
    IssueTemplate(
        "neet",
        "Apprenticeships need a maths qualification young people do not have",
        "Local apprenticeships ask for GCSE maths; {n} of the young people we work with do not have it "
        "and the college course is full.",
        age_range="19-25",
    ),
    # Youth provision (Youth Reference Group)
    IssueTemplate(
        "youth-provision",
        "Friday youth club in {area} closing",
        "The only Friday evening youth club in {area} closes next month for lack of volunteers. Young "
        "people have asked where they can go instead.",
        age_range="12-15",
    ),
    IssueTemplate(
        "youth-provision",
        "Detached youth work needs a base in {area}",
        "Our detached youth workers meet {n} young people a week in {area} but have nowhere indoors to "
        "run sessions in winter.",
        age_range="12-15",
    ),
    # The Hive youth zone
    IssueTemplate(
        "the-hive",
        "No direct bus from {area} to the Hive",
        "Young people in {area} would have to take two buses to reach the Hive. Will the travel "
        "consultation look at a direct route or a minibus?",
        age_range="12-15",
    ),
    IssueTemplate(
        "the-hive",
        "Can small groups book space at the Hive?",
        "Several groups in the network would like to run sessions at the Hive. Is there a way for small "
        "organisations to book rooms, and at what cost?",
    ),
    # Mental health (Early Help)
    IssueTemplate(
        "mental-health",
        "CAMHS waiting times: {weeks} weeks for a first appointment",
        "Young people we support wait {weeks} weeks for a first CAMHS appointment. Our counsellors are "
        "holding more risk than they are trained for.",
        urgent_share=0.2,
        age_range="12-15",
    ),
    IssueTemplate(
        "mental-health",
        "Rise in self-harm disclosures at school drop-ins",
        "Our school drop-ins in {area} have had {n} self-harm disclosures this term, more than all of "
        "last year. We would welcome training and a clearer route to support.",
        sensitive_share=0.2,
        age_range="12-15",
    ),
    # Early help
    IssueTemplate(
        "early-help",
        "Who is the CAF champion for {area}?",
        "We were told to contact the CAF champion for {area} but cannot find out who that is. A contact "
        "list for the sector would help.",
    ),
    IssueTemplate(
        "early-help",
        "Locality hub sessions clash with school pick-up",
        "Parents in {area} cannot attend the locality hub's family support sessions because they clash "
        "with school pick-up.",
        age_range="0-4",
    ),
    # Training (no board: the officer's triage)
    IssueTemplate(
        "training",
        "Volunteers need safeguarding training before September",
        "We have {n} new volunteers starting in September. Is there free safeguarding training for "
        "small groups before then?",
    ),
    IssueTemplate(
        "training",
        "Training on the Twenty Pledges for third sector staff",
        "Staff asked what the council's Twenty Pledges mean for our work. Is there a briefing or a "
        "training session planned?",
    ),
)

# How often each theme comes up: waiting lists and funding most (the report's "gaps in provision
# and funding"), then SEND, youth provision and mental health; the Hive and training less often.
THEME_WEIGHTS: dict[str, float] = {
    "waiting-lists": 16,
    "funding-and-commissioning": 14,
    "send": 12,
    "youth-provision": 10,
    "mental-health": 10,
    "safeguarding": 9,
    "domestic-abuse": 8,
    "neet": 8,
    "the-hive": 7,
    "training": 7,
    "early-help": 6,
}

SERVICES_FOR_TEXT = (
    "the parenting course",
    "the young carers group",
    "family support",
    "the counselling service",
    "the Saturday short breaks",
    "the employability mentoring",
    "the stay and play sessions",
)


@dataclass(frozen=True)
class AnswerTemplate:
    outcome: str  # accepted | partly | declined
    text: str
    decline_reason: str = ""


ANSWERS: dict[str, tuple[AnswerTemplate, ...]] = {
    "waiting-lists": (
        AnswerTemplate(
            "accepted",
            "The commissioning group has added this waiting list to its forward plan and agreed interim "
            "funding for an extra group from next month. Waiting-list returns will be reviewed at each "
            "meeting.",
        ),
        AnswerTemplate(
            "partly",
            "The group has asked the council's early help team to offer holding support to families on "
            "the list; extra places depend on the next budget round.",
        ),
    ),
    "funding-and-commissioning": (
        AnswerTemplate(
            "accepted",
            "The service will be re-commissioned for a further year; the notice will be published "
            "through the Linked-up bulletin.",
        ),
        AnswerTemplate(
            "partly",
            "The tender will accept consortium bids. The insurance requirement is set nationally and "
            "cannot change.",
        ),
        AnswerTemplate(
            "declined",
            "The group cannot fund buildings costs for individual groups.",
            decline_reason="Room hire is outside the commissioning budget; the council's community "
            "asset team has been asked to contact the groups affected.",
        ),
    ),
    "safeguarding": (
        AnswerTemplate(
            "accepted",
            "Extra MASH training dates have been added, including two evening sessions for volunteers. "
            "Booking is through the safeguarding website.",
        ),
        AnswerTemplate(
            "accepted",
            "Thank you for sharing this. The information has been passed to the police and the "
            "exploitation team, who will contact you directly.",
        ),
    ),
    "domestic-abuse": (
        AnswerTemplate(
            "accepted",
            "The refuge and the admissions team have agreed a fast-track for school places; the board "
            "will check progress at its next meeting.",
        ),
        AnswerTemplate(
            "partly",
            "MARAC outcomes are shared on a need-to-know basis; the family's lead professional will "
            "contact you about what you need to know to keep the child safe.",
        ),
    ),
    "send": (
        AnswerTemplate(
            "partly",
            "Two more holiday schemes will be listed on the Local Offer this summer; inclusive places "
            "depend on the short breaks review.",
        ),
        AnswerTemplate(
            "accepted",
            "The SEND team has added staff to clear the review backlog and will report the numbers to "
            "the partnership each quarter.",
        ),
    ),
    "neet": (
        AnswerTemplate(
            "accepted",
            "Travel support for care leavers has been extended to 21 through the leaving care service.",
        ),
        AnswerTemplate(
            "declined",
            "Entry requirements are set by employers.",
            decline_reason="The group cannot change employers' entry requirements; it will promote the "
            "functional skills course instead.",
        ),
    ),
    "youth-provision": (
        AnswerTemplate(
            "partly",
            "The Youth Reference Group will map Friday provision with the University of Chester and "
            "share it through the bulletin.",
        ),
        AnswerTemplate(
            "accepted",
            "The library in the area will host detached youth work sessions on winter evenings.",
        ),
    ),
    "the-hive": (
        AnswerTemplate(
            "accepted",
            "The Hive will run a free minibus from the area on session nights from next term, following "
            "the travel consultation.",
        ),
        AnswerTemplate(
            "accepted",
            "Small organisations can book rooms at the Hive at a community rate; details are in this "
            "month's bulletin.",
        ),
    ),
    "mental-health": (
        AnswerTemplate(
            "partly",
            "CAMHS is recruiting to reduce waits and will share a monthly waiting-time figure with the "
            "network; school link workers are being trained.",
        ),
        AnswerTemplate(
            "accepted",
            "Self-harm awareness training for drop-in staff has been arranged for next month.",
        ),
    ),
    "early-help": (
        AnswerTemplate(
            "accepted",
            "A list of CAF champions by locality is now on the Linked-up web page.",
        ),
        AnswerTemplate(
            "partly",
            "The hub will trial a later session once a month; staffing does not allow more yet.",
        ),
    ),
}
GENERAL_ANSWERS: tuple[AnswerTemplate, ...] = (
    AnswerTemplate(
        "partly",
        "The board has discussed this and asked the lead officer to report back at its next meeting.",
    ),
    AnswerTemplate("accepted", "Agreed: the board will take this forward and update the network."),
)

NOT_SATISFIED_NOTES = (
    "This does not say when anything will change for the families waiting now.",
    "We asked about our area specifically; the answer is about the whole borough.",
    "The contact given has not replied to us in two weeks.",
)

REASSIGN_REASONS = {
    "cjcg": "This is about commissioning decisions, which the Joint Commissioning Group owns.",
    "early-help": "Early help and prevention should take this first.",
    "ctb": "It needs the Children's Trust Board's decision across partners.",
}
ESCALATE_REASONS = (
    "It needs a decision across partners that this group cannot make.",
    "Funding for this sits with the Children's Trust partners.",
)


@dataclass(frozen=True)
class BoardHabit:
    """How a board deals with what reaches it (chances and typical delays in working hours)."""

    acknowledges: float  # chance it acknowledges at all
    acknowledge_hours: float  # typical working hours to acknowledge
    on_time: float  # chance it answers within its respond-by deadline
    answers_late: float  # at the top of the ladder: chance of a late answer after the officer's alert
    reassigns: float = 0.0
    escalates: float = 0.0


BOARD_HABITS: dict[str, BoardHabit] = {
    "wscb": BoardHabit(0.97, 3, 0.9, 0.9),
    "cjcg": BoardHabit(0.85, 12, 0.62, 0.6, reassigns=0.03, escalates=0.04),
    "early-help": BoardHabit(0.9, 8, 0.78, 0.7, reassigns=0.04),
    "aadsp": BoardHabit(0.88, 10, 0.7, 0.6, escalates=0.03),
    "neet": BoardHabit(0.85, 12, 0.72, 0.6, reassigns=0.03),
    "yrg": BoardHabit(0.75, 18, 0.58, 0.5),
    "hive": BoardHabit(0.9, 6, 0.8, 0.7),
    "ctb": BoardHabit(0.9, 10, 0.8, 0.7),
    "hwbb": BoardHabit(0.8, 20, 0.65, 0.6),
}
DEFAULT_HABIT = BoardHabit(0.85, 12, 0.7, 0.6)

# Where the officer sends what the routing rules leave in triage (a theme no board owns).
TRIAGE_BOARDS: dict[str, str] = {"training": "wscb"}


@dataclass(frozen=True)
class Joiner:
    """An organisation that registers during the year, with its services as typed in the join form."""

    name: str
    identifier: str | None
    email: str
    consent: bool
    services: tuple[str, ...]
    themes: tuple[str, ...]
    declined_reason: str | None = None  # the officer declines it, with this reason


JOINERS: tuple[Joiner, ...] = (
    Joiner(
        "Leasowe Family Hub (simulated)",
        "9999911",
        "leasowe-hub@example.org",
        True,
        ("Family drop-in | family support | 0-11 | 4/20", "Dads' group | parenting | 0-11"),
        ("early-help", "waiting-lists", "funding-and-commissioning"),
    ),
    Joiner(
        "Bidston Boxing and Youth (simulated)",
        "9999912",
        "bidston-boxing@example.org",
        True,
        ("Junior boxing | youth club | 8-13 | 2/30", "Youth mentoring | youth club | 13-19 | 0/12"),
        ("youth-provision", "the-hive", "neet"),
    ),
    Joiner(
        "Wirral Autism Parents (simulated)",
        "9999913",
        "autism-parents@example.org",
        True,
        (
            "Parent peer support | SEND family support | 0-25",
            "Sibling days | SEND family support | 6-16 | 5/24",
        ),
        ("send", "waiting-lists"),
    ),
    Joiner(
        "New Ferry Young Mums (simulated)",
        None,
        "young-mums@example.org",
        False,
        ("Young mums group | parenting | 16-25 | 3/15",),
        ("early-help", "mental-health"),
    ),
    Joiner(
        "Hoylake Sea Cadets Trust (simulated)",
        "9999915",
        "cadets@example.org",
        True,
        ("Cadet nights | youth club | 10-18 | 6/40",),
        ("youth-provision", "funding-and-commissioning"),
    ),
    Joiner(
        "Prenton Bereavement Support (simulated)",
        "9999916",
        "bereavement@example.org",
        True,
        ("Children's bereavement groups | mental health | 5-18 | 0/16",),
        ("mental-health", "waiting-lists"),
    ),
    Joiner(
        "Wirral Home Tutors Ltd (simulated)",
        None,
        "sales@tutors.example.org",
        False,
        ("Private tuition | education | 5-18",),
        ("send",),
        declined_reason="A private tuition company rather than a voluntary, community or faith "
        "organisation; they are welcome to advertise through the bulletin.",
    ),
    Joiner(
        "Tranmere Rovers Community Kickabout (simulated)",
        "9999918",
        "kickabout@example.org",
        True,
        ("Friday night football | youth club | 11-19 | 10/40",),
        ("youth-provision", "neet"),
    ),
    Joiner(
        "Seacombe Refugee Families (simulated)",
        "9999919",
        "refugee-families@example.org",
        True,
        (
            "ESOL for parents | family support | 0-18 | 0/20",
            "Homework club | education support | 5-16 | 4/25",
        ),
        ("domestic-abuse", "early-help", "safeguarding"),
    ),
    Joiner(
        "Heswall Young Carers Link (simulated)",
        "9999920",
        "carers-link@example.org",
        True,
        ("Young carers club | young carers | 8-18 | 3/18",),
        ("mental-health", "funding-and-commissioning"),
    ),
)

# Themes the demo network's organisations raise most, by the slug in the network file.
ORGANISATION_THEMES: dict[str, tuple[str, ...]] = {
    "seacombe-young-carers": ("mental-health", "early-help", "funding-and-commissioning"),
    "birkenhead-family-safety": ("domestic-abuse", "waiting-lists", "safeguarding"),
    "wallasey-youth-club": ("youth-provision", "the-hive", "safeguarding"),
    "peninsula-send-families": ("send", "waiting-lists"),
    "rock-ferry-parents": ("early-help", "training"),
    "moreton-minds": ("mental-health", "waiting-lists"),
    "tranmere-pathways": ("neet", "funding-and-commissioning"),
}


@dataclass(frozen=True)
class ReturnProfile:
    """A service category's waiting list: typical numbers waiting, median wait and monthly drift."""

    waiting: float
    wait_weeks: float
    drift: float
    places: int
    assessment: bool = False


RETURN_PROFILES: dict[str, ReturnProfile] = {
    "domestic abuse support": ReturnProfile(26, 14, 1.2, 12),
    "mental health": ReturnProfile(22, 11, 0.6, 15),
    "SEND family support": ReturnProfile(15, 9, 0.3, 20, assessment=True),
    "young carers": ReturnProfile(8, 5, 0.1, 18),
    "youth club": ReturnProfile(4, 2, 0.0, 30),
    "parenting": ReturnProfile(10, 6, 0.2, 14),
    "early years": ReturnProfile(5, 3, 0.0, 20),
    "employment and training": ReturnProfile(12, 7, 0.4, 15),
    "family support": ReturnProfile(9, 5, 0.3, 16),
}
DEFAULT_RETURN_PROFILE = ReturnProfile(8, 5, 0.1, 15)


@dataclass(frozen=True)
class ArticleTemplate:
    category: str
    title: str
    summary: str


ARTICLES: tuple[ArticleTemplate, ...] = (
    ArticleTemplate(
        "vacancies",
        "Youth worker (part-time), {area}",
        "Evenings and Saturdays; closing date in three weeks.",
    ),
    ArticleTemplate(
        "vacancies", "Family support worker vacancy", "A 12-month post supporting families in {area}."
    ),
    ArticleTemplate(
        "vacancies", "Volunteer befrienders wanted", "Two hours a week befriending young carers."
    ),
    ArticleTemplate(
        "vacancies", "Trustee vacancies for a local charity", "Help a small charity in {area} grow."
    ),
    ArticleTemplate(
        "training-and-events",
        "Free MASH training dates",
        "New multi-agency safeguarding dates, including evenings.",
    ),
    ArticleTemplate(
        "training-and-events",
        "Linked-up meeting: {area} focus",
        "Speaker, issues and challenges, and networking.",
    ),
    ArticleTemplate(
        "training-and-events",
        "CSE awareness workshop",
        "Monthly multi-agency CSE training, open to the sector.",
    ),
    ArticleTemplate(
        "service-changes", "Drop-in moves to {area} library", "The Tuesday drop-in has a new home."
    ),
    ArticleTemplate(
        "service-changes",
        "New referral form for family support",
        "One form for all partners from next month.",
    ),
    ArticleTemplate(
        "promotions", "Summer activities guide", "What is on for children and young people in {area}."
    ),
    ArticleTemplate(
        "promotions", "Local Offer: tell us what you think", "Feedback on the SEND Local Offer website."
    ),
    ArticleTemplate(
        "safeguarding-updates", "WSCB safeguarding update", "Changes to thresholds and the new website."
    ),
    ArticleTemplate(
        "safeguarding-updates", "Sentinel: child death reporting reminder", "How to complete the forms."
    ),
    ArticleTemplate(
        "the-hive",
        "The Hive: travel consultation",
        "Have your say on getting young people to the youth zone.",
    ),
    ArticleTemplate(
        "the-hive",
        "The Hive: programme for the new term",
        "Sessions for 8-19s, and up to 25 with disabilities.",
    ),
    ArticleTemplate(
        "funding", "Community grants open", "Grants of up to £5,000 for groups working with children."
    ),
    ArticleTemplate("funding", "Lottery funding workshop", "How to write a strong bid; places limited."),
)
ARTICLE_WEIGHTS: dict[str, float] = {
    "vacancies": 3.0,
    "training-and-events": 3.0,
    "funding": 2.0,
    "service-changes": 1.5,
    "promotions": 1.5,
    "safeguarding-updates": 1.0,
    "the-hive": 1.0,
}
# Chance that someone who opened the bulletin clicks one link of the category ("the local CYP third
# sector vacancies links have the most clicks per open").
CLICK_PROPENSITY: dict[str, float] = {
    "vacancies": 0.11,
    "funding": 0.07,
    "training-and-events": 0.06,
    "the-hive": 0.05,
    "safeguarding-updates": 0.04,
    "service-changes": 0.03,
    "promotions": 0.025,
}

FEEDBACK: tuple[tuple[str, int, str], ...] = (
    ("bulletin", 5, "The vacancies section is the first thing our staff read."),
    ("bulletin", 4, "Useful round-up; the meeting dates are handy."),
    ("hive", 3, "We would like to know more about booking the Hive for our groups."),
    ("network", 5, "Good to have one place to raise things and hear back."),
    ("network", 4, "The issues and challenges section at the meeting is worth the trip."),
    ("board", 2, "We raised something months ago and have not heard back."),
)
