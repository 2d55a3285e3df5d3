"""The clinical material the synthetic letters are made of.

Each `Family` is a kind of disputed treatment as IMR letters see it: how its
item is worded, which body regions it applies to, which guideline entries a
claims administrator or reviewer cites for it (as canonical `(source, chapter,
topic, pages)` references that `citations.py` words from the vocabulary), and
sentences a reviewer writes when upholding or overturning it. Placeholders in
braces are filled per letter: {drug}, {side}, {levels}, {region}, {qty}, ...
"""

from __future__ import annotations

from dataclasses import dataclass, field

CPMTG = "Chronic Pain Medical Treatment Guidelines"
ACUP = "Acupuncture Medical Treatment Guidelines"
POSTSURG = "Postsurgical Treatment Guidelines"


@dataclass(frozen=True)
class Ref:
    """A canonical guideline entry: chapter names an MTUS part or an ODG chapter.

    `chapter` may be the placeholder "{odg}" or "{acoem}" to mean the ODG /
    ACOEM chapter of the item's body region.
    """

    source: str
    chapter: str
    topic: str | None = None
    pages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Region:
    name: str  # canonical body region (vocab/body_regions.toml)
    phrases: tuple[str, ...]  # how an item names it
    levels: tuple[str, ...]  # spinal levels, empty for joints
    sided: bool
    odg: str | None  # canonical ODG chapter
    acoem: str | None  # canonical ACOEM chapter
    acoem_pages: tuple[str, ...]
    diagnoses: tuple[str, ...]
    complaints: tuple[str, ...]
    findings: tuple[str, ...]


REGIONS: dict[str, Region] = {
    r.name: r
    for r in (
        Region(
            "cervical",
            ("cervical spine", "neck", "cervical"),
            ("C3-C4", "C4-C5", "C5-C6", "C6-C7", "C7-T1"),
            False,
            "Neck and Upper Back",
            "ACOEM Chapter 8 Neck and Upper Back Complaints",
            ("174", "177-178", "181", "181-183"),
            (
                "cervical radiculopathy",
                "cervical degenerative disc disease",
                "cervicalgia",
                "cervical facet arthropathy",
                "cervical sprain/strain",
                "cervical disc protrusion",
            ),
            (
                "neck pain radiating to the bilateral upper extremities",
                "constant neck pain with stiffness",
                "neck pain with numbness and tingling into the hands",
            ),
            (
                "tenderness over the cervical paraspinal muscles",
                "decreased cervical range of motion",
                "a positive Spurling's test",
                "diminished sensation in the C6 dermatome",
            ),
        ),
        Region(
            "thoracic",
            ("thoracic spine", "mid back"),
            ("T6-T7", "T7-T8", "T8-T9", "T11-T12"),
            False,
            "Low Back",
            "ACOEM Chapter 12 Low Back Complaints",
            ("287", "303-304"),
            ("thoracic sprain/strain", "thoracic myofascial pain", "thoracic disc bulge"),
            ("mid back pain that worsens with prolonged sitting", "thoracic pain radiating around the rib cage"),
            ("tenderness over the thoracic paraspinal muscles", "muscle spasm in the thoracic region"),
        ),
        Region(
            "lumbar",
            ("lumbar spine", "low back", "lumbar"),
            ("L3-L4", "L4-L5", "L5-S1"),
            False,
            "Low Back",
            "ACOEM Chapter 12 Low Back Complaints",
            ("298", "300-301", "303-305", "309"),
            (
                "lumbar radiculopathy",
                "lumbar degenerative disc disease",
                "lumbago",
                "lumbar facet syndrome",
                "lumbar spinal stenosis",
                "lumbar disc herniation",
                "sciatica",
            ),
            (
                "low back pain radiating to the left lower extremity",
                "constant low back pain rated 7/10",
                "low back pain with numbness in both legs",
            ),
            (
                "tenderness over the lumbar paraspinal muscles",
                "a positive straight leg raise on the left",
                "decreased lumbar flexion",
                "diminished sensation in the L5 dermatome",
            ),
        ),
        Region(
            "shoulder",
            ("shoulder",),
            (),
            True,
            "Shoulder",
            "ACOEM Chapter 9 Shoulder Complaints",
            ("204", "207-209", "209-211", "213"),
            (
                "rotator cuff tear",
                "shoulder impingement syndrome",
                "adhesive capsulitis",
                "subacromial bursitis",
                "acromioclavicular joint arthrosis",
            ),
            ("shoulder pain with overhead reaching", "shoulder pain that wakes the patient at night"),
            ("a positive Neer's and Hawkins' sign", "painful arc of motion", "weakness of the supraspinatus"),
        ),
        Region(
            "elbow",
            ("elbow",),
            (),
            True,
            "Elbow",
            "ACOEM Chapter 10 Elbow Disorders",
            ("22-25", "29"),
            ("lateral epicondylitis", "medial epicondylitis", "cubital tunnel syndrome"),
            ("elbow pain with gripping", "lateral elbow pain aggravated by lifting"),
            ("tenderness over the lateral epicondyle", "pain with resisted wrist extension"),
        ),
        Region(
            "wrist/hand",
            ("wrist", "hand"),
            (),
            True,
            "Forearm, Wrist, & Hand",
            "ACOEM Chapter 11 Forearm, Wrist, and Hand Complaints",
            ("265", "268-270", "272"),
            ("carpal tunnel syndrome", "de Quervain's tenosynovitis", "trigger finger", "wrist sprain/strain"),
            ("numbness and tingling in the hand at night", "wrist pain with repetitive keyboard use"),
            (
                "a positive Phalen's and Tinel's sign",
                "decreased grip strength",
                "tenderness over the first dorsal compartment",
            ),
        ),
        Region(
            "hip",
            ("hip",),
            (),
            True,
            "Hip & Pelvis",
            None,
            (),
            ("hip osteoarthritis", "trochanteric bursitis", "hip labral tear"),
            ("hip pain with prolonged walking", "groin pain on weight bearing"),
            ("tenderness over the greater trochanter", "pain with internal rotation of the hip"),
        ),
        Region(
            "knee",
            ("knee",),
            (),
            True,
            "Knee & Leg",
            "ACOEM Chapter 13 Knee Complaints",
            ("337-339", "341-343", "344-345", "346"),
            ("medial meniscus tear", "knee osteoarthritis", "chondromalacia patella", "knee internal derangement"),
            ("knee pain with stairs and squatting", "knee swelling and locking"),
            ("medial joint line tenderness", "a positive McMurray's test", "mild effusion of the knee"),
        ),
        Region(
            "ankle/foot",
            ("ankle", "foot"),
            (),
            True,
            "Ankle & Foot",
            "ACOEM Chapter 14 Ankle and Foot Complaints",
            ("369-371", "374", "376"),
            ("plantar fasciitis", "ankle sprain", "Achilles tendinitis", "ankle instability"),
            ("heel pain with the first steps in the morning", "ankle pain and swelling after walking"),
            ("tenderness at the plantar fascia insertion", "swelling over the lateral malleolus"),
        ),
        Region(
            "psyche",
            ("psychological",),
            (),
            False,
            "Mental Illness & Stress",
            "ACOEM Chapter 15 Stress Related Conditions",
            ("398", "400-401"),
            ("major depressive disorder", "anxiety disorder", "post-traumatic stress disorder", "insomnia"),
            ("depressed mood and poor sleep", "anxiety and difficulty concentrating"),
            ("a flat affect", "a Beck Depression Inventory score of 28"),
        ),
    )
}

SPINE = ("cervical", "lumbar", "thoracic")
JOINTS = ("shoulder", "knee", "wrist/hand", "elbow", "ankle/foot", "hip")
ALL_PHYSICAL = SPINE + JOINTS


@dataclass(frozen=True)
class Family:
    name: str
    treatment: str  # canonical treatment category (vocab/treatments.toml)
    weight: float  # relative frequency among disputed items
    regions: tuple[str, ...]  # body regions it applies to (empty: region-less medication)
    items: tuple[str, ...]  # item templates
    refs: tuple[Ref, ...]  # guideline entries cited for it
    criteria: tuple[str, ...]  # what the guidelines say (reviewer paraphrase)
    upheld: tuple[str, ...]  # why this request fails
    overturned: tuple[str, ...]  # why this request is supported
    fills: dict[str, tuple[str, ...]] = field(default_factory=dict)


MED_PREFIX = (
    "",
    "",
    "Retrospective request for ",
    "Prospective request for ",
    "1 prescription of ",
    "Request for ",
    "Retrospective: ",
)

FAMILIES: tuple[Family, ...] = (
    Family(
        "opioids",
        "medication",
        14,
        (),
        (
            "{pre}{drug} #{qty}",
            "{pre}{drug} #{qty} (DOS: {dos})",
            "{pre}{drug}, quantity {qty}",
            "{pre}{drug} #{qty} with {refills} refills",
        ),
        (
            Ref("MTUS", CPMTG, "Opioids, criteria for use", ("76-80", "78", "79-80")),
            Ref("MTUS", CPMTG, "Opioids for chronic pain", ("80-81",)),
            Ref("MTUS", CPMTG, "Opioids, long-term assessment", ("88-89",)),
            Ref("ODG", "Pain", "Opioids, criteria for use"),
        ),
        (
            "ongoing opioid management requires review and documentation of pain relief, functional status, appropriate medication use, and side effects",
            "the four domains of analgesia, activities of daily living, adverse side effects and aberrant drug-taking behaviors should be monitored",
            "opioids should be discontinued if there is no overall improvement in function",
            "a pain contract, urine drug screening and a single prescribing physician are expected for long-term opioid use",
        ),
        (
            "the records do not document objective functional improvement or a reduction in pain scores attributable to {drug}",
            "there is no current urine drug screen or opioid agreement in the submitted records",
            "the patient has used {drug} since {year} without documented return to work or improved function",
            "the morphine equivalent dose exceeds the recommended 120 mg per day without a pain specialist's oversight",
        ),
        (
            "the treating physician documents a decrease in pain from 8/10 to 4/10 with {drug} and improved ability to perform household chores",
            "there is a signed opioid agreement, consistent urine drug screens and no aberrant behavior",
            "a weaning schedule is documented and abrupt discontinuation would risk withdrawal",
        ),
        {
            "drug": (
                "Norco 10/325mg",
                "Hydrocodone/APAP 10/325mg",
                "Oxycodone 15mg",
                "Percocet 10/325mg",
                "Tramadol 50mg",
                "Ultram ER 150mg",
                "OxyContin 20mg",
                "Nucynta 50mg",
                "MS Contin 30mg",
                "Tramadol ER 100mg",
                "Butrans 10mcg/hr patch",
            )
        },
    ),
    Family(
        "nsaids",
        "medication",
        7,
        (),
        ("{pre}{drug} #{qty}", "{pre}{drug} #{qty} (DOS: {dos})", "{pre}{drug}, {qty} tablets"),
        (
            Ref("MTUS", CPMTG, "NSAIDs (non-steroidal anti-inflammatory drugs)", ("67-73", "67-68", "22")),
            Ref("MTUS", CPMTG, "NSAIDs, specific drug list & adverse effects", ("70-73",)),
            Ref("ODG", "Pain", "NSAIDs (non-steroidal anti-inflammatory drugs)"),
        ),
        (
            "NSAIDs are recommended at the lowest dose for the shortest period in patients with moderate to severe pain",
            "there is no evidence of long-term effectiveness of NSAIDs for pain or function",
            "NSAIDs are recommended as a second-line treatment after acetaminophen for chronic low back pain",
        ),
        (
            "the patient has taken {drug} for more than a year without documented functional benefit",
            "there is no documentation of a reduction in pain or improved function with {drug}",
            "the patient has a history of gastritis, and the prolonged use of {drug} is not supported",
        ),
        (
            "the provider documents a 40% improvement in pain and the ability to walk longer distances with {drug}",
            "a short course of {drug} for an acute flare of pain is consistent with the guidelines",
        ),
        {
            "drug": (
                "Naproxen sodium 550mg",
                "Ibuprofen 800mg",
                "Meloxicam 15mg",
                "Celebrex 200mg",
                "Nabumetone 750mg",
                "Diclofenac sodium ER 100mg",
                "Anaprox DS 550mg",
                "Etodolac 400mg",
            )
        },
    ),
    Family(
        "muscle relaxants",
        "medication",
        6,
        (),
        ("{pre}{drug} #{qty}", "{pre}{drug} #{qty} (DOS: {dos})"),
        (
            Ref("MTUS", CPMTG, "Muscle relaxants (for pain)", ("63-66", "63", "64")),
            Ref("MTUS", CPMTG, "Cyclobenzaprine (Flexeril)", ("41-42",)),
            Ref("MTUS", CPMTG, "Carisoprodol (Soma)", ("29",)),
            Ref("ODG", "Pain", "Muscle relaxants (for pain)"),
        ),
        (
            "non-sedating muscle relaxants are recommended with caution as a second-line option for short-term treatment of acute exacerbations",
            "efficacy of muscle relaxants appears to diminish over time and prolonged use may lead to dependence",
            "treatment with cyclobenzaprine should be brief, with the greatest effect in the first four days",
        ),
        (
            "{drug} has been prescribed for months, well beyond the short-term use the guidelines recommend",
            "there is no documentation of an acute exacerbation or of muscle spasm on examination",
            "the quantity requested implies chronic use, which is not supported",
        ),
        (
            "the patient has an acute exacerbation with palpable muscle spasm, and a short course is appropriate",
            "the request is for a limited supply to be used during an acute flare",
        ),
        {
            "drug": (
                "Cyclobenzaprine 7.5mg",
                "Flexeril 10mg",
                "Soma 350mg",
                "Carisoprodol 350mg",
                "Tizanidine 4mg",
                "Orphenadrine ER 100mg",
                "Baclofen 10mg",
                "Methocarbamol 750mg",
                "Fexmid 7.5mg",
            )
        },
    ),
    Family(
        "ppi",
        "medication",
        4,
        (),
        ("{pre}{drug} #{qty}", "{pre}{drug} #{qty} (DOS: {dos})"),
        (
            Ref("MTUS", CPMTG, "NSAIDs, GI symptoms & cardiovascular risk", ("68-69",)),
            Ref("ODG", "Pain", "Proton pump inhibitors (PPIs)"),
        ),
        (
            "a proton pump inhibitor is recommended for patients at intermediate or high risk for gastrointestinal events who take NSAIDs",
            "risk factors include age over 65, a history of peptic ulcer or GI bleeding, and concurrent use of aspirin or corticosteroids",
        ),
        (
            "the records do not document gastrointestinal symptoms or risk factors for GI events",
            "the patient is not taking an NSAID, and there is no documented dyspepsia",
        ),
        (
            "the patient is 67 years old, takes naproxen and has a history of gastritis, placing him at intermediate risk",
            "the records document NSAID-induced dyspepsia that resolved with {drug}",
        ),
        {
            "drug": (
                "Omeprazole 20mg",
                "Prilosec 20mg",
                "Pantoprazole 20mg",
                "Protonix 40mg",
                "Esomeprazole 40mg",
                "Lansoprazole 30mg",
            )
        },
    ),
    Family(
        "topicals",
        "medication",
        6,
        (),
        ("{pre}{drug}", "{pre}{drug} (DOS: {dos})", "{pre}{drug}, quantity {qty}"),
        (
            Ref("MTUS", CPMTG, "Topical analgesics", ("111-113", "111", "112")),
            Ref("MTUS", CPMTG, "Lidoderm (lidocaine patch)", ("56-57",)),
            Ref("ODG", "Pain", "Topical analgesics"),
        ),
        (
            "topical analgesics are largely experimental, with few randomized controlled trials to determine efficacy or safety",
            "any compounded product that contains at least one drug or drug class that is not recommended is not recommended",
            "topical lidocaine is recommended for localized peripheral pain after a trial of first-line therapy such as an antidepressant or an AED",
        ),
        (
            "the compound contains ingredients, such as gabapentin and cyclobenzaprine, that are not recommended for topical use",
            "there is no documentation of a failed trial of first-line oral agents for neuropathic pain",
            "the request does not specify the site of application or the frequency of use",
        ),
        (
            "the patient has localized neuropathic pain and failed gabapentin and amitriptyline, so a lidocaine patch is appropriate",
            "the patient cannot tolerate oral NSAIDs, and a topical NSAID for the knee is recommended",
        ),
        {
            "drug": (
                "Lidoderm 5% patch #30",
                "Terocin patches #30",
                "Flurbiprofen 20%/Lidocaine 5% cream 180gm",
                "Voltaren 1% gel 100gm",
                "Menthoderm gel 240gm",
                "Ketoprofen 10% cream 120gm",
                "Gabapentin 10%/Cyclobenzaprine 2%/Capsaicin 0.0375% compound cream",
                "Flector 1.3% patch #60",
            )
        },
    ),
    Family(
        "anticonvulsants",
        "medication",
        4,
        (),
        ("{pre}{drug} #{qty}", "{pre}{drug} #{qty} with {refills} refills"),
        (
            Ref("MTUS", CPMTG, "Antiepilepsy drugs (AEDs)", ("16-22", "18-19")),
            Ref("ODG", "Pain", "Antiepilepsy drugs (AEDs)"),
        ),
        (
            "antiepilepsy drugs are recommended for neuropathic pain, with a good response defined as a 50% reduction in pain",
            "after initiation of treatment there should be documentation of pain relief and improvement in function as well as side effects",
        ),
        (
            "there is no documented neuropathic pain and no reduction in pain with {drug}",
            "the records do not show at least a 30% reduction in pain after a trial of {drug}",
        ),
        (
            "the patient has lumbar radiculopathy confirmed on EMG and reports a 50% reduction in burning pain with {drug}",
        ),
        {"drug": ("Gabapentin 600mg", "Neurontin 300mg", "Lyrica 75mg", "Pregabalin 50mg", "Topiramate 50mg")},
    ),
    Family(
        "antidepressants",
        "medication",
        2,
        (),
        ("{pre}{drug} #{qty}",),
        (
            Ref("MTUS", CPMTG, "Antidepressants for chronic pain", ("13-16", "15")),
            Ref("ODG", "Mental Illness & Stress", "Antidepressants for chronic pain"),
        ),
        (
            "antidepressants are recommended as a first-line option for neuropathic pain and as a possibility for non-neuropathic pain",
            "assessment of treatment efficacy should include pain outcomes, function, changes in analgesic use and sleep quality",
        ),
        ("there is no documentation of improved function, sleep or mood with {drug}",),
        ("the patient has neuropathic pain with depressed mood, and {drug} is a first-line option",),
        {
            "drug": (
                "Duloxetine 60mg",
                "Cymbalta 30mg",
                "Amitriptyline 25mg",
                "Trazodone 50mg",
                "Nortriptyline 10mg",
                "Wellbutrin XL 150mg",
            )
        },
    ),
    Family(
        "hypnotics",
        "medication",
        3,
        (),
        ("{pre}{drug} #{qty}",),
        (Ref("ODG", "Pain", "Insomnia treatment"), Ref("ODG", "Mental Illness & Stress", "Zolpidem (Ambien)")),
        (
            "zolpidem is approved for the short-term treatment of insomnia, usually two to six weeks",
            "sleep hygiene should be addressed and the cause of the sleep disturbance evaluated before hypnotics are prescribed",
        ),
        (
            "the patient has used {drug} for over six months, beyond the short-term use recommended",
            "there is no documentation of sleep hygiene measures or of the nature of the insomnia",
        ),
        ("a short course is requested for new-onset insomnia after surgery, with sleep hygiene documented",),
        {"drug": ("Ambien 10mg", "Zolpidem 10mg", "Lunesta 3mg", "Ambien CR 12.5mg", "Temazepam 15mg")},
    ),
    Family(
        "benzodiazepines",
        "medication",
        2,
        (),
        ("{pre}{drug} #{qty}",),
        (Ref("MTUS", CPMTG, "Benzodiazepines", ("24",)), Ref("ODG", "Pain", "Benzodiazepines")),
        (
            "benzodiazepines are not recommended for long-term use because long-term efficacy is unproven and there is a risk of dependence",
            "most guidelines limit use to four weeks",
        ),
        ("the patient has used {drug} for longer than four weeks and the guidelines do not support long-term use",),
        ("the request is for a weaning dose to avoid withdrawal symptoms",),
        {"drug": ("Xanax 0.5mg", "Alprazolam 1mg", "Clonazepam 1mg", "Valium 5mg", "Klonopin 0.5mg", "Ativan 1mg")},
    ),
    Family(
        "esi",
        "injection",
        7,
        SPINE,
        (
            "{ci}{region_adj} epidural steroid injection at {levels}",
            "{Side} {levels} transforaminal epidural steroid injection",
            "{region_adj} Epidural Steroid Injection (ESI) at {levels} under fluoroscopy",
            "Caudal epidural steroid injection",
            "Repeat {region_adj} epidural steroid injection {levels}",
        ),
        (
            Ref("MTUS", CPMTG, "Epidural steroid injections (ESIs)", ("46", "46-47")),
            Ref("ODG", "{odg}", "Epidural steroid injections (ESIs)"),
        ),
        (
            "radiculopathy must be documented by physical examination and corroborated by imaging studies and/or electrodiagnostic testing",
            "the patient must be initially unresponsive to conservative treatment such as exercises, physical methods, NSAIDs and muscle relaxants",
            "repeat blocks should be based on continued objective documented pain and functional improvement, including at least 50% pain relief for six to eight weeks",
            "no more than two nerve root levels should be injected using transforaminal blocks",
        ),
        (
            "the examination does not document radicular findings in a dermatomal distribution, and no imaging corroborates radiculopathy",
            "the prior injection provided only transient relief, well short of 50% for six to eight weeks",
            "the request is for more than two levels, which the guidelines do not support",
            "there is no documentation of failed conservative treatment",
        ),
        (
            "the patient has radicular pain with a positive straight leg raise, corroborated by MRI showing nerve root compression at {levels}",
            "the previous injection provided 70% relief for three months with reduced medication use",
            "conservative treatment including physical therapy and NSAIDs has failed",
        ),
        {},
    ),
    Family(
        "facet",
        "injection",
        6,
        SPINE,
        (
            "{Bilateral} {region_adj} medial branch blocks at {levels}",
            "{region_adj} facet joint injection {levels}, {bilat}",
            "{Bilateral} {region_adj} medial branch block under fluoroscopy and IV sedation",
            "Diagnostic {region_adj} facet block {levels}",
            "Medial branch block for the {region_phrase}",
        ),
        (
            Ref("ODG", "{odg}", "Facet joint diagnostic blocks"),
            Ref("ODG", "{odg}", "Facet joint pain, signs & symptoms"),
            Ref("ODG", "{odg}", "Facet joint therapeutic steroid injections"),
            Ref("ODG", "{odg}", "Facet joint intra-articular injections (therapeutic blocks)"),
            Ref("MTUS", "{acoem}", None, ()),
        ),
        (
            "diagnostic blocks are limited to patients with pain that is non-radicular and at no more than two levels bilaterally",
            "there should be documentation of failure of conservative treatment including home exercise, physical therapy and NSAIDs for at least four to six weeks",
            "one set of diagnostic medial branch blocks is required with a response of at least 70%",
            "sedation is not recommended because it may confound the diagnostic value of the block",
        ),
        (
            "the patient has radicular symptoms, and facet blocks are not recommended when radiculopathy is present",
            "the request does not specify the levels to be injected",
            "the request includes IV sedation, which may confound the diagnostic response",
        ),
        (
            "the patient has non-radicular axial pain with facet tenderness at {levels}, and conservative care has failed",
            "the request is limited to two levels and does not include sedation",
        ),
        {},
    ),
    Family(
        "rfa",
        "injection",
        3,
        ("cervical", "lumbar"),
        (
            "{Bilateral} {region_adj} radiofrequency ablation at {levels}",
            "{region_adj} radiofrequency neurotomy {levels}",
            "Radiofrequency rhizotomy {side} {levels}",
        ),
        (Ref("ODG", "{odg}", "Facet joint radiofrequency neurotomy"), Ref("MTUS", "{acoem}", None, ())),
        (
            "treatment requires a diagnosis of facet joint pain using a medial branch block with at least 70% relief",
            "repeat neurotomy requires documented relief of at least 50% for at least 12 weeks",
            "no more than two joint levels are to be performed at one time",
        ),
        (
            "there is no documentation of a positive diagnostic medial branch block",
            "the prior ablation did not provide 50% relief for 12 weeks",
        ),
        (
            "the patient had 80% relief after a diagnostic medial branch block at {levels}",
            "the prior neurotomy provided more than six months of relief with improved function",
        ),
        {},
    ),
    Family(
        "trigger point",
        "injection",
        3,
        ("cervical", "lumbar", "thoracic", "shoulder"),
        (
            "Trigger point injections x {n} to the {region_phrase}",
            "Trigger point injections, {n} injections, {region_phrase}",
        ),
        (Ref("MTUS", CPMTG, "Trigger point injections", ("122",)),),
        (
            "trigger point injections are recommended only for myofascial pain syndrome with circumscribed trigger points and a twitch response",
            "radiculopathy should not be present, and no repeat injections are recommended unless there is greater than 50% relief for six weeks",
        ),
        (
            "the examination does not document circumscribed trigger points with a twitch response and referred pain",
            "the patient has radicular symptoms",
        ),
        (
            "the examination documents trigger points with a twitch response and referred pain, and prior injections gave 60% relief for two months",
        ),
        {},
    ),
    Family(
        "joint injection",
        "injection",
        3,
        ("shoulder", "knee", "hip", "elbow"),
        (
            "{Side} {region_phrase} corticosteroid injection",
            "Synvisc-One injection to the {side} {region_phrase}",
            "Platelet-rich plasma injection to the {side} {region_phrase}",
            "{Side} {region_phrase} intra-articular injection under ultrasound guidance",
        ),
        (
            Ref("ODG", "{odg}", "Corticosteroid injections"),
            Ref("ODG", "{odg}", "Hyaluronic acid injections"),
            Ref("ODG", "{odg}", "Platelet-rich plasma (PRP)"),
            Ref("MTUS", "{acoem}", None, ()),
        ),
        (
            "injections are recommended for documented symptomatic osteoarthritis that has not responded to conservative treatment",
            "a repeat injection requires documented significant improvement in symptoms for six months or more",
        ),
        (
            "there is no documented osteoarthritis or failure of conservative treatment",
            "platelet-rich plasma injections remain under study and are not recommended",
        ),
        ("imaging documents severe osteoarthritis, and physical therapy and NSAIDs have failed",),
        {},
    ),
    Family(
        "physical therapy",
        "physical therapy",
        10,
        ALL_PHYSICAL,
        (
            "Physical therapy {freq} for the {region_phrase}",
            "Additional physical therapy x {n} sessions for the {side_region}",
            "Physical therapy {n} sessions, {region_phrase}",
            "Outpatient physical therapy {freq}, {side_region}",
            "Aquatic therapy {freq} for the {region_phrase}",
        ),
        (
            Ref("MTUS", CPMTG, "Physical medicine", ("98-99",)),
            Ref("MTUS", CPMTG, "Aquatic therapy", ("22",)),
            Ref("ODG", "{odg}", "Physical therapy (PT)"),
            Ref("MTUS", "{acoem}", None, ()),
        ),
        (
            "the guidelines allow for fading of treatment frequency plus active self-directed home physical medicine",
            "nine to ten visits over eight weeks are recommended for myalgia and myositis, and eight to ten visits over four weeks for neuralgia and radiculitis",
            "patients are expected to continue active therapies at home to maintain improvement levels",
        ),
        (
            "the patient has completed at least {n} prior sessions without documented objective functional improvement",
            "the requested number of visits exceeds the number recommended, and there is no reason the patient cannot continue a home exercise program",
            "there is no documentation of the outcome of the prior course of therapy",
        ),
        (
            "the patient has a new injury to the {region_phrase} and has had no prior therapy for it",
            "the prior course produced measurable gains in range of motion and strength, and the request is within the recommended number of visits",
        ),
        {},
    ),
    Family(
        "postoperative therapy",
        "physical therapy",
        3,
        ("shoulder", "knee", "wrist/hand", "lumbar", "cervical"),
        (
            "Post-operative physical therapy {freq} for the {side_region}",
            "Postoperative physical therapy x {n} visits, {side_region}",
        ),
        (Ref("MTUS", POSTSURG, None, ("24-25", "26-27", "10-12", "15-16")),),
        (
            "the postsurgical physical medicine treatment period is limited, and an initial course of therapy is one half of the general course",
            "with documented functional improvement, a subsequent course of therapy may be prescribed within the postsurgical period",
        ),
        (
            "the request exceeds the initial course of postoperative therapy, and progress from prior sessions is not documented",
        ),
        (
            "the request is for the initial course of therapy following the {side_region} surgery and is within the guideline",
        ),
        {},
    ),
    Family(
        "chiropractic",
        "chiropractic",
        4,
        SPINE,
        (
            "Chiropractic treatment {freq} for the {region_phrase}",
            "Chiropractic manipulation x {n} visits, {region_phrase}",
            "Chiropractic care {n} sessions",
        ),
        (Ref("MTUS", CPMTG, "Manual therapy & manipulation", ("58-60", "58")), Ref("ODG", "{odg}", "Manipulation")),
        (
            "manual therapy is recommended for chronic pain caused by musculoskeletal conditions, with a trial of six visits over two weeks",
            "with evidence of objective functional improvement, a total of up to 18 visits over six to eight weeks may be appropriate",
            "elective or maintenance care is not medically necessary",
        ),
        (
            "the patient has already completed {n} chiropractic visits without documented functional improvement",
            "the request amounts to maintenance care, which is not recommended",
        ),
        ("this is an initial trial of six visits for a flare of low back pain",),
        {},
    ),
    Family(
        "acupuncture",
        "acupuncture",
        5,
        ALL_PHYSICAL,
        (
            "Acupuncture {freq} for the {region_phrase}",
            "Additional acupuncture x {n} sessions",
            "Acupuncture {n} visits, {region_phrase}",
            "Electroacupuncture {freq}",
        ),
        (Ref("MTUS", ACUP, None, ("8-9", "9")),),
        (
            "acupuncture may be used when pain medication is reduced or not tolerated, as an adjunct to physical rehabilitation",
            "the time to produce functional improvement is three to six treatments, and treatments may be extended if functional improvement is documented",
        ),
        (
            "the patient has had {n} prior acupuncture sessions without documented functional improvement",
            "the number of sessions requested exceeds the initial trial of three to six treatments",
        ),
        (
            "this is an initial trial of six sessions as an adjunct to a home exercise program",
            "prior acupuncture reduced medication use and allowed the patient to return to modified duty",
        ),
        {},
    ),
    Family(
        "massage",
        "massage",
        2,
        ALL_PHYSICAL,
        ("Massage therapy x {n} sessions for the {region_phrase}", "Massage therapy {freq}"),
        (Ref("MTUS", CPMTG, "Massage therapy", ("60",)),),
        (
            "massage therapy is recommended as an option, as an adjunct to other recommended treatment such as exercise, limited to four to six visits",
        ),
        ("no adjunctive exercise program is planned, and the request exceeds six visits",),
        ("massage is requested as an adjunct to an active exercise program and is limited to four visits",),
        {},
    ),
    Family(
        "tens",
        "DME",
        3,
        ALL_PHYSICAL,
        (
            "TENS unit, 30-day rental",
            "TENS unit purchase",
            "Interferential unit rental x 1 month",
            "H-wave device, 30-day home trial",
            "TENS unit with supplies for the {region_phrase}",
        ),
        (
            Ref("MTUS", CPMTG, "Transcutaneous electrotherapy", ("114-116",)),
            Ref("MTUS", CPMTG, "Interferential current stimulation (ICS)", ("118-120",)),
            Ref("MTUS", CPMTG, "H-wave stimulation (HWT)", ("117-118",)),
        ),
        (
            "a one-month home-based trial may be considered as a noninvasive option if used as an adjunct to a program of evidence-based functional restoration",
            "a treatment plan including specific short- and long-term goals should be submitted",
        ),
        (
            "there is no documentation of a successful one-month trial before purchase",
            "the unit is not requested as an adjunct to a program of functional restoration",
        ),
        (
            "the one-month trial reduced pain and medication use, and the patient is participating in a home exercise program",
        ),
        {},
    ),
    Family(
        "imaging",
        "imaging",
        7,
        ALL_PHYSICAL,
        (
            "MRI of the {region_phrase} without contrast",
            "Repeat MRI of the {side_region}",
            "CT scan of the {region_phrase}",
            "X-rays of the {side_region}, 3 views",
            "MRI {side_region}",
            "MR arthrogram of the {side_region}",
        ),
        (
            Ref("ODG", "{odg}", "MRIs (magnetic resonance imaging)"),
            Ref("ODG", "{odg}", "Radiography"),
            Ref("MTUS", "{acoem}", None, ()),
        ),
        (
            "imaging is recommended when there are unequivocal objective findings of specific nerve compromise or red flags and the patient would consider surgery",
            "repeat MRI is not routinely recommended and should be reserved for a significant change in symptoms or findings suggestive of significant pathology",
        ),
        (
            "there are no red flags or progressive neurologic deficits, and the patient is not a surgical candidate",
            "a prior MRI was done in {year}, and no significant change in symptoms is documented",
            "the examination is essentially normal",
        ),
        (
            "the patient has a progressive neurologic deficit with weakness of the extensor hallucis longus",
            "symptoms have persisted for more than six weeks despite conservative care and surgery is being considered",
        ),
        {},
    ),
    Family(
        "electrodiagnostics",
        "diagnostic testing",
        4,
        ("cervical", "lumbar", "wrist/hand", "elbow"),
        (
            "EMG/NCV of the bilateral {limbs}",
            "Electromyography (EMG) of the {side} {limb}",
            "Nerve conduction velocity (NCV) study, bilateral {limbs}",
        ),
        (
            Ref("ODG", "{odg}", "Electrodiagnostic studies (EDS)"),
            Ref("ODG", "{odg}", "EMGs (electromyography)"),
            Ref("ODG", "{odg}", "Nerve conduction studies (NCS)"),
            Ref("MTUS", "{acoem}", None, ()),
        ),
        (
            "electromyography may be useful to identify subtle focal neurologic dysfunction in patients with symptoms lasting more than three or four weeks",
            "nerve conduction studies are not recommended when the patient is presumed to have symptoms on the basis of radiculopathy",
        ),
        (
            "the radiculopathy is already clinically obvious, so electrodiagnostic testing would not change management",
            "there are no neurologic findings on examination",
        ),
        (
            "the patient has numbness in the hands with equivocal examination findings, and testing would distinguish carpal tunnel syndrome from radiculopathy",
        ),
        {},
    ),
    Family(
        "drug screen",
        "diagnostic testing",
        3,
        (),
        ("Urine drug screen", "Retrospective urine drug screen (DOS: {dos})", "Urine toxicology screening"),
        (Ref("MTUS", CPMTG, "Drug testing", ("43",)), Ref("ODG", "Pain", "Urine drug testing (UDT)")),
        (
            "drug testing is recommended as an option to assess for the use or presence of illegal drugs",
            "patients at low risk of addiction should be tested within six months of starting therapy and yearly thereafter",
        ),
        (
            "the patient is at low risk and had a consistent screen three months ago",
            "the patient is not taking opioids or other controlled substances",
        ),
        ("the patient takes opioids and has not been screened in over a year",),
        {},
    ),
    Family(
        "surgery",
        "surgery",
        6,
        ("shoulder", "knee", "lumbar", "cervical", "wrist/hand"),
        ("{surgery}", "{Side} {surgery_joint}", "Inpatient stay x {n} days for {surgery}"),
        (Ref("ODG", "{odg}", "{surgery_topic}"), Ref("MTUS", "{acoem}", None, ())),
        (
            "surgery is indicated for patients with activity limitation for more than four months, failure of an exercise program, and clear imaging evidence of a lesion shown to benefit from surgical repair",
            "conservative care, including therapy and injections, should be tried for at least three to six months before surgery is considered",
        ),
        (
            "the records do not document failure of a full course of conservative care",
            "the imaging does not show a lesion that would benefit from surgical repair",
            "the clinical findings do not correlate with the imaging",
        ),
        (
            "the MRI shows a full-thickness tear with corresponding weakness, and six months of conservative care have failed",
            "the patient has progressive weakness with concordant imaging, and surgery is indicated",
        ),
        {},
    ),
    Family(
        "dme",
        "DME",
        4,
        ("lumbar", "knee", "shoulder", "cervical", "wrist/hand", "ankle/foot"),
        ("{dme}", "{dme} for the {side_region}", "Purchase of {dme}"),
        (Ref("ODG", "{odg}", "{dme_topic}"), Ref("MTUS", "{acoem}", None, ())),
        (
            "durable medical equipment is recommended when it is primarily and customarily used to serve a medical purpose and is appropriate in the home",
        ),
        (
            "the device is not supported beyond the immediate postoperative period",
            "the guidelines do not recommend this device for chronic pain",
        ),
        ("the device is requested for the seven days following surgery, which is recommended",),
        {},
    ),
    Family(
        "psychotherapy",
        "psychotherapy",
        4,
        ("psyche",),
        (
            "Cognitive behavioral therapy x {n} sessions",
            "Psychotherapy {freq}",
            "Biofeedback x {n} sessions",
            "Individual psychotherapy sessions x {n}",
        ),
        (
            Ref("MTUS", CPMTG, "Behavioral interventions", ("23",)),
            Ref("MTUS", CPMTG, "Biofeedback", ("24-25",)),
            Ref("ODG", "Mental Illness & Stress", "Cognitive therapy for depression"),
            Ref("ODG", "Mental Illness & Stress", "Psychotherapy guidelines"),
            Ref("MTUS", "{acoem}", None, ()),
        ),
        (
            "an initial trial of three to four psychotherapy visits over two weeks is recommended, and with evidence of objective functional improvement a total of six to ten visits",
            "up to 13-20 visits over 7-20 weeks may be appropriate if progress is being made",
        ),
        (
            "the patient has completed {n} sessions and objective functional improvement is not documented",
            "the number requested exceeds the initial trial",
        ),
        ("the patient has documented improvement in Beck Depression Inventory scores and is progressing",),
        {},
    ),
    Family(
        "functional restoration",
        "functional restoration",
        2,
        ("lumbar", "cervical"),
        ("Functional restoration program x {hours} hours", "HELP interdisciplinary pain program, {hours} hours"),
        (
            Ref("MTUS", CPMTG, "Functional restoration programs (FRPs)", ("30-34", "49")),
            Ref("MTUS", CPMTG, "Chronic pain programs (functional restoration programs)", ("30-32",)),
        ),
        (
            "an adequate and thorough evaluation must be made, previous methods of treating chronic pain must have been unsuccessful, and the patient must be motivated to change",
            "total treatment duration should generally not exceed 20 full-day sessions",
        ),
        (
            "there is no documentation that the patient is motivated to change or that negative predictors of success have been addressed",
        ),
        ("a thorough multidisciplinary evaluation documents motivation and failure of other treatment",),
        {},
    ),
    Family(
        "home health",
        "home health",
        1,
        (),
        ("Home health care {hours} hours per day, {days} days per week", "Home health aide x {n} weeks"),
        (Ref("MTUS", CPMTG, "Home health services", ("51",)),),
        (
            "home health services are recommended only for medical treatment for patients who are homebound, generally up to no more than 35 hours per week",
            "medical treatment does not include homemaker services like shopping, cleaning and laundry",
        ),
        ("the patient is not homebound, and the request is for homemaker services",),
        ("the patient is homebound after surgery and requires wound care",),
        {},
    ),
    Family(
        "consultation",
        "evaluation",
        2,
        ALL_PHYSICAL,
        (
            "Pain management consultation",
            "Orthopedic consultation for the {side_region}",
            "Consultation with a spine surgeon",
            "Psychological evaluation",
        ),
        (Ref("MTUS", "ACOEM Chapter 7 Independent Medical Examinations and Consultations", None, ("127",)),),
        (
            "a referral may be appropriate if the practitioner is uncomfortable with the line of inquiry, with treating a particular cause of delayed recovery, or has difficulty obtaining information",
        ),
        ("the reason for the referral and the question to be answered are not documented",),
        (
            "the diagnosis is uncertain and the patient has not improved with conservative care, so a specialist's opinion is reasonable",
        ),
        {},
    ),
)

SURGERIES: dict[str, tuple[tuple[str, str, str], ...]] = {
    # region -> (item text, joint-form text, canonical ODG topic)
    "shoulder": (
        (
            "Right shoulder arthroscopy with subacromial decompression",
            "shoulder arthroscopic subacromial decompression",
            "Surgery for impingement syndrome",
        ),
        (
            "Left shoulder arthroscopic rotator cuff repair",
            "shoulder rotator cuff repair",
            "Surgery for rotator cuff repair",
        ),
        ("Right shoulder arthroscopy with debridement", "shoulder arthroscopic debridement", "Surgical considerations"),
    ),
    "knee": (
        (
            "Left knee arthroscopic partial medial meniscectomy",
            "knee arthroscopic partial meniscectomy",
            "Meniscectomy",
        ),
        ("Right total knee arthroplasty", "total knee arthroplasty", "Knee joint replacement"),
        (
            "Left knee arthroscopy with chondroplasty",
            "knee arthroscopy with chondroplasty",
            "Arthroscopic surgery for osteoarthritis",
        ),
    ),
    "lumbar": (
        ("L4-L5 anterior lumbar interbody fusion", "lumbar fusion", "Fusion (spinal)"),
        ("L5-S1 microdiscectomy", "L5-S1 microdiscectomy", "Discectomy/laminectomy"),
        ("Lumbar laminectomy and foraminotomy at L4-L5", "lumbar laminectomy", "Discectomy/laminectomy"),
    ),
    "cervical": (
        ("C5-C6 anterior cervical discectomy and fusion", "C5-C6 ACDF", "Fusion, anterior cervical"),
        ("C6-C7 laminectomy and discectomy", "cervical laminectomy", "Discectomy/laminectomy"),
    ),
    "wrist/hand": (
        ("Right carpal tunnel release", "carpal tunnel release", "Carpal tunnel release surgery (CTR)"),
        (
            "Left carpal tunnel release with flexor tenosynovectomy",
            "carpal tunnel release",
            "Carpal tunnel release surgery (CTR)",
        ),
    ),
}

DME: dict[str, tuple[tuple[str, str], ...]] = {
    # region -> (item text, canonical ODG topic)
    "lumbar": (
        ("Lumbar support brace", "Lumbar supports"),
        ("LSO back brace", "Lumbar supports"),
        ("Hot/cold packs for home use", "Cold/heat packs"),
    ),
    "knee": (
        ("Cold therapy unit, 7-day rental", "Continuous-flow cryotherapy"),
        ("Continuous passive motion device x 21 days", "Continuous passive motion (CPM)"),
        ("Front wheeled walker", "Walking aids (canes, crutches, braces, orthoses, & walkers)"),
        ("Hinged knee brace", "Knee brace"),
    ),
    "shoulder": (
        ("Cold therapy unit purchase", "Continuous-flow cryotherapy"),
        ("Vasopneumatic compression device rental", "Vasopneumatic devices"),
    ),
    "cervical": (("Home cervical traction unit", "Traction (mechanical)"), ("Soft cervical collar", "Cervical collar")),
    "wrist/hand": (("Wrist splint", "Splints"),),
    "ankle/foot": (("Custom orthotics", "Orthotic devices"),),
}

# --- letter-level wording -------------------------------------------------

MECHANISMS = (
    "while lifting a heavy box at work",
    "in a slip and fall on a wet floor",
    "as a result of a motor vehicle accident",
    "while pulling a pallet jack",
    "from repetitive keyboard and mouse use",
    "when she fell from a ladder",
    "while transferring a patient",
    "while loading a truck",
    "due to cumulative trauma from repetitive work duties",
    "when a shelf collapsed on him",
    "while restraining a combative student",
    "in a trip over a hose at a construction site",
)
OCCUPATIONS = (
    "warehouse worker",
    "registered nurse",
    "truck driver",
    "correctional officer",
    "school custodian",
    "grocery clerk",
    "construction laborer",
    "office assistant",
    "home health aide",
    "police officer",
    "machine operator",
    "firefighter",
    "cashier",
    "teacher",
    "farm worker",
    "bus driver",
)
PRIOR_TREATMENTS = (
    "medications",
    "physical therapy",
    "chiropractic care",
    "acupuncture",
    "a home exercise program",
    "epidural steroid injections",
    "diagnostic imaging",
    "activity modification",
    "TENS unit",
    "psychotherapy",
    "a functional restoration program",
    "surgery",
    "trigger point injections",
    "massage therapy",
    "bracing",
    "work restrictions",
)
PRIOR_MEDS = (
    "Norco",
    "tramadol",
    "ibuprofen",
    "naproxen",
    "cyclobenzaprine",
    "gabapentin",
    "omeprazole",
    "Lidoderm patches",
    "Ambien",
    "Percocet",
    "meloxicam",
    "Cymbalta",
    "Xanax",
    "Soma",
)
OVERTURN_CLOSERS = (
    "Therefore, the request is medically necessary and appropriate.",
    "As such, the request for {short} is medically necessary.",
    "The request is therefore medically necessary and appropriate.",
    "Based on the above, the requested {short} is medically necessary.",
)
UPHOLD_CLOSERS = (
    "Therefore, the request is not medically necessary.",
    "As such, the request is not medically necessary and appropriate.",
    "Given all the above, the request for {short} is not medically necessary or appropriate.",
    "The request for {short} is not medically necessary.",
    "Therefore, the requested {short} is not medically necessary.",
)
