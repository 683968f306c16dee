"""Company names: normalisation, splitting into region / core / organisation form, fuzzy index.

Used to find the same firm registering twice and to recognise a registering firm on a campaign
list of up to ~630,000 names (百行进万企), where typed names differ from listed ones by a
region prefix, an organisation form, bracket widths or a wrongly chosen character.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from matching.pinyin import load_readings, same_sound_substitutions, sounds_alike
from matching.regions import REGION_PREFIXES, regions_agree
from matching.textnorm import squash

_BRACKETS = str.maketrans("【】〔〕〖〗[]{}", "()()()()()")
_BRACKETED = re.compile(r"\(([^()]*)\)")

# Organisation forms, matched at the end of a name, longest first.
_ORG_FORMS: tuple[str, ...] = tuple(
    sorted(
        {
            "集团股份有限公司",
            "股份有限公司",
            "集团有限公司",
            "有限责任公司",
            "有限公司",
            "股份合作公司",
            "合伙企业(有限合伙)",
            "合伙企业(普通合伙)",
            "合伙企业",
            "(有限合伙)",
            "(普通合伙)",
            "个人独资企业",
            "独资企业",
            "农民专业合作社",
            "专业合作社",
            "股份经济合作社",
            "经济合作社",
            "合作社",
            "家庭农场",
            "经营部",
            "门市部",
            "批发部",
            "经销部",
            "销售部",
            "服务部",
            "营业部",
            "商行",
            "商店",
            "工作室",
            "事务所",
            "公司",
            "集团",
            "有限",
            "厂",
            "店",
        },
        key=lambda form: (-len(form), form),
    )
)
_ORG_FORM_SET = frozenset(_ORG_FORMS)
_ORG_FORM_LENGTHS = sorted({len(form) for form in _ORG_FORMS}, reverse=True)
# A branch carries its own region after the parent's name: 蓝宇新材料有限公司柯桥分公司.
_BRANCH_FORMS = ("分公司", "分厂", "分店")
_PREFIXES = frozenset(REGION_PREFIXES)
_PREFIX_LENGTHS = sorted({len(p) for p in REGION_PREFIXES}, reverse=True)
_BRACKET_REGIONS = _PREFIXES | {"中国"}
_ADMIN_SUFFIXES = frozenset("省市县区")


def normalize_name(name: str) -> str:
    """NFKC, no whitespace, ASCII round brackets, lower-case Latin: how names are compared."""
    text = squash(name).translate(_BRACKETS)
    # Again after removing spaces and lower-casing, which can leave marks to compose (t + ̈).
    return unicodedata.normalize("NFKC", text.lower())


@dataclass(frozen=True, slots=True)
class NameParts:
    """A normalised company name cut into leading region names, core, and organisation form."""

    region: str
    core: str
    suffix: str


def _leading_regions(text: str, prefixes: frozenset[str] = _PREFIXES) -> tuple[str, str]:
    """Split region names off the start of `text`, keeping at least one character of the rest."""
    # A short form followed by an administrative suffix (绍兴 in a bare 绍兴市) is not split off.
    region = ""
    while True:
        for n in _PREFIX_LENGTHS:
            if len(text) > n and text[n] not in _ADMIN_SUFFIXES and text[:n] in prefixes:
                region, text = region + text[:n], text[n:]
                break
        else:
            return region, text


def _drop_bracketed_regions(text: str) -> tuple[str, str]:
    """Remove bracketed regions anywhere in the name: 蓝宇(绍兴)新材料 → 蓝宇新材料, 绍兴."""
    if "(" not in text:
        return text, ""
    removed: list[str] = []

    def drop(match: re.Match[str]) -> str:
        _, rest = _leading_regions(match[1], _BRACKET_REGIONS)  # 绍兴, 绍兴柯桥, 中国
        if rest in _BRACKET_REGIONS:
            removed.append(match[1])
            return ""
        return match[0]

    return _BRACKETED.sub(drop, text), "".join(removed)


def _org_form(text: str) -> tuple[str, str]:
    """Split the organisation form (and a branch's own region) off the end of `text`."""
    for form in _BRANCH_FORMS:
        if text.endswith(form) and len(text) > len(form):
            body, _ = _org_form(_trailing_region(text[: -len(form)]))
            return body, text[len(body) :]
    for n in _ORG_FORM_LENGTHS:  # longest first, as _ORG_FORMS is ordered; one form per length
        if len(text) > n and text[-n:] in _ORG_FORM_SET:
            return text[:-n], text[-n:]
    return text, ""


def _trailing_region(text: str) -> str:
    """`text` without a region name at its end (the region of a branch)."""
    length = next((n for n in _PREFIX_LENGTHS if len(text) > n and text[-n:] in _PREFIXES), 0)
    return text[: len(text) - length]


def _split_normalized(text: str) -> NameParts:
    """split_name for an already normalised name."""
    text, bracketed = _drop_bracketed_regions(text)
    body, suffix = _org_form(text)
    region, core = _leading_regions(body)
    return NameParts(region + bracketed, core, suffix)


def split_name(name: str) -> NameParts:
    """Cut a company name into region, core and organisation form, so only cores are compared."""
    return _split_normalized(normalize_name(name))


def core_name(name: str) -> str:
    """The distinctive part of a company name (浙江蓝宇新材料有限公司 → 蓝宇新材料), never empty."""
    return split_name(name).core or normalize_name(name)


# Words that say what a firm does, not which firm it is (行业表述), as they end a name's core:
# 蓝宇新材料 and 瑞宇新材料 share 新材料 and are two firms; their own words (字号) are 蓝宇, 瑞宇.
_INDUSTRY_WORDS: tuple[str, ...] = tuple(
    sorted(
        {
            "新材料", "材料", "科技", "技术", "信息技术", "信息", "网络", "软件", "电子", "电器",
            "电气", "机械", "精密", "机电", "设备", "制造", "智能", "自动化", "五金", "汽车配件",
            "汽配", "纺织", "印染", "针织", "服饰", "服装", "化纤", "化工", "塑料", "塑业", "橡胶",
            "包装", "印刷", "建材", "建设", "建筑", "工程", "装饰", "环保", "能源", "新能源",
            "光电", "生物", "医药", "医疗器械", "食品", "农业", "农业开发", "农产品", "生态",
            "养殖", "种植", "茶业", "贸易", "商贸", "工贸", "进出口", "实业", "投资", "控股",
            "发展", "管理", "咨询", "服务", "物流", "运输", "餐饮", "文化", "传媒", "铜业",
            "金属", "制冷", "家具", "家居", "陶瓷", "玻璃", "钢结构", "模具", "轴承", "阀门",
            "泵业", "电机", "照明", "光伏", "制衣", "鞋业", "织造", "丝绸", "皮革",
        },
        key=lambda word: (-len(word), word),
    )
)  # fmt: skip


def distinctive_words(name: str) -> str:
    """A firm's own words: its name without region, organisation form and the industry words
    ending the core (浙江兰宇新材料有限公司 → 兰宇); at least two characters where the core has."""
    core = core_name(name)
    while True:
        word = next((w for w in _INDUSTRY_WORDS if core.endswith(w) and len(core) - len(w) >= 2),
                    "")
        if not word:
            return core
        core = core[: -len(word)]


def may_be_same_firm(typed: str, listed: str) -> bool:
    """Whether a listed name may be the firm typed, for "您是不是指": the same own words, or
    words that differ only by characters sounding the same (兰宇 typed for 蓝宇 with a pinyin
    input method); from four characters on, one other wrong character is forgiven too. Two firms
    sharing an industry (兰宇新材料, 瑞宇新材料) are never each other."""
    mine, theirs = distinctive_words(typed), distinctive_words(listed)
    if mine == theirs:
        return True
    if len(mine) == len(theirs) and all(map(sounds_alike, mine, theirs)):
        return True
    return len(mine) >= 4 and Levenshtein.distance(mine, theirs, score_cutoff=1) <= 1


# fuzz.ratio is 100 * (1 - indel / (len_a + len_b)): one substituted character in an n-character
# core costs 100 / n points (75 for n = 4, 80 for 5, 83.3 for 6), one added or dropped character
# about half that. So the cutoff follows the query core's length: cores of up to two characters
# must match exactly (one wrong character is half the name: 兰宇 is another firm than 蓝宇);
# three characters accept one added or dropped character but not a substitution (66.7); four to
# seven accept one substituted, added or dropped character and reject two substitutions (50 for
# n = 4); from eight characters on, a quarter of the characters may differ. The 0.5 margin absorbs
# float rounding. Indel distance counts a swap (华丰 → 丰华) or a shifted match (政潮 vs 潮盛) like
# one substitution, so the same number of edits is also required as a Levenshtein distance.
def score_cutoff(core_length: int) -> float:
    """The lowest core fuzz.ratio accepted for a query core of this length."""
    if core_length <= 2:
        return 100.0
    if core_length == 3:
        return 79.5
    if core_length <= 7:
        return 100.0 * (1 - 1 / core_length) - 0.5
    return 74.5


def max_edits(core_length: int) -> int:
    """The most characters (Levenshtein) by which a listed core may differ from the query's."""
    if core_length <= 2:
        return 0
    return 1 if core_length <= 7 else core_length // 4


@dataclass(frozen=True, slots=True)
class NameMatch:
    """A listed name found for a query: its position in the list, the name, and the core ratio."""

    index: int
    name: str
    score: float


IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]

_CANDIDATES = 256  # candidates scored with fuzz.ratio per query
_POSTING_BUDGET = 20_000  # postings gathered from the rarest grams before the rest only re-rank


def _gram_codes(core: str) -> list[int]:
    """Codes of the character bigrams and 1-skip bigrams of `core` (same layout as the index)."""
    codes = [(ord(a) << 22 | ord(b)) << 1 for a, b in itertools.pairwise(core)]
    codes += [(ord(a) << 22 | ord(b)) << 1 | 1 for a, b in zip(core, core[2:], strict=False)]
    return codes


def _inverted_index(text: str, lengths: IntArray) -> tuple[IntArray, IntArray, Int32Array]:
    """Sorted gram codes, where each gram's postings start, and the postings (names, ascending)."""
    # One stable sort by code keeps each gram's names in list order: a code is either a bigram or
    # a skip-bigram, and each kind is generated in list order.
    chars = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    owner = np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
    codes: list[IntArray] = []
    owners: list[Int32Array] = []
    for gap in (1, 2):
        same = owner[:-gap] == owner[gap:]
        codes.append((chars[:-gap][same] << 22 | chars[gap:][same]) << 1 | (gap - 1))
        owners.append(owner[:-gap][same])
    del chars, owner
    code, names = np.concatenate(codes), np.concatenate(owners)
    order = np.argsort(code, kind="stable")
    code, names = code[order], names[order]
    fresh = np.ones(len(code), dtype=bool)  # drop a gram repeated within one name
    fresh[1:] = (code[1:] != code[:-1]) | (names[1:] != names[:-1])
    code, names = code[fresh], names[fresh]
    first = np.flatnonzero(np.r_[True, code[1:] != code[:-1]]) if len(code) else np.empty(0, int)
    starts = np.append(first, len(code)).astype(np.int64)
    return code[first], starts, names


class NameIndex:
    """Fuzzy lookup in a fixed list of company names: built once, then queried per registration."""

    # Cores are kept as one string with offsets; exact cores are found through a sorted array of
    # their hashes (in-process only, so the per-process hash seed does not matter); fuzzy
    # candidates through an inverted index of character bigrams and 1-skip bigrams, whose int32
    # posting arrays are sorted by name so membership can be tested by binary search.

    def __init__(self, names: Sequence[str]) -> None:
        self._names = tuple(names)
        cores = [core_name(name) for name in self._names]
        lengths = np.fromiter(map(len, cores), dtype=np.int64, count=len(cores))
        self._starts: IntArray = np.concatenate(([0], np.cumsum(lengths)))
        self._text = "".join(cores)
        hashes = np.fromiter(map(hash, cores), dtype=np.int64, count=len(cores))
        self._by_hash: IntArray = np.argsort(hashes, kind="stable")
        self._hashes: IntArray = hashes[self._by_hash]
        del cores
        self._grams, self._gram_starts, self._postings = _inverted_index(self._text, lengths)
        load_readings()  # pinyin for ranking, loaded with the index rather than at a first query

    def __len__(self) -> int:
        return len(self._names)

    def best(self, query: str) -> NameMatch | None:
        """The listed name the query most likely means, or None if nothing is close enough."""
        found = self.search(query, limit=1)
        return found[0] if found else None

    def search(self, query: str, limit: int = 5) -> tuple[NameMatch, ...]:
        """Listed names close to the query, best first (for "您是不是指 …？")."""
        parts = split_name(query)
        if not parts.core or limit < 1:
            return ()
        candidates = self._exact(parts.core)
        if score_cutoff(len(parts.core)) < 100:
            fuzzy = self._gram_candidates(parts.core).tolist()
            candidates = list(dict.fromkeys([*candidates, *fuzzy]))
        return tuple(self._rank(parts, normalize_name(query), candidates)[:limit])

    def _core(self, index: int) -> str:
        """The core of the listed name at `index`."""
        return self._text[self._starts[index] : self._starts[index + 1]]

    def _exact(self, core: str) -> list[int]:
        """Indices of listed names whose core is exactly `core`."""
        key = hash(core)
        low = int(np.searchsorted(self._hashes, key, side="left"))
        high = int(np.searchsorted(self._hashes, key, side="right"))
        found = (int(i) for i in self._by_hash[low:high])
        return sorted(i for i in found if self._core(i) == core)

    def _gram_candidates(self, core: str) -> IntArray:
        """The listed names sharing the most (idf-weighted) grams with `core`, unordered."""
        codes = np.unique(np.array(_gram_codes(core), dtype=np.int64))
        if not len(self._grams) or not len(codes):
            return np.empty(0, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._grams, codes), len(self._grams) - 1)
        grams = at[self._grams[at] == codes]
        if not len(grams):
            return np.empty(0, dtype=np.int64)
        starts, counts = self._gram_starts[grams], np.diff(self._gram_starts)[grams]
        weights = np.log(len(self._names) / counts)
        # Gather postings of the rarest grams only; frequent grams (新材料, 科技) just re-rank.
        order = np.argsort(counts, kind="stable")
        gathered = np.cumsum(counts[order])
        rare_count = max(1, int(np.searchsorted(gathered, _POSTING_BUDGET, "right")))
        rare, common = order[:rare_count], order[rare_count:]
        postings = [self._postings[starts[g] : starts[g] + counts[g]] for g in range(len(grams))]
        hits = np.concatenate([postings[g] for g in rare])
        candidates, inverse = np.unique(hits, return_inverse=True)
        score = np.bincount(inverse, weights=np.repeat(weights[rare], counts[rare]))
        for g in common:
            posting = postings[g]
            found = np.minimum(np.searchsorted(posting, candidates), len(posting) - 1)
            score += weights[g] * (posting[found] == candidates)
        if len(candidates) > _CANDIDATES:
            candidates = candidates[np.argpartition(-score, _CANDIDATES)[:_CANDIDATES]]
        return candidates.astype(np.int64)

    def _rank(self, parts: NameParts, query: str, candidates: list[int]) -> list[NameMatch]:
        """Candidates whose core passes the cutoff, ordered by the evidence that they are meant."""
        # fuzz.ratio cannot tell one substituted character from a shifted match (潮盛 and 正潮
        # both score 75 against 政潮), and one-character-off cores are common on a long list, so
        # the order adds the cores' Levenshtein similarity, half the whole names' ratio (region
        # and form as typed) and 10 times the regions' agreement (1, 0.5, 0 or -1). A same-sound
        # substitution (开智 for 开致, the usual pinyin-input typo) costs half of an ordinary one.
        cores = [self._core(i) for i in candidates]
        cutoff = score_cutoff(len(parts.core))
        scored = process.extract(
            parts.core, cores, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None
        )
        ranked: list[tuple[float, float, int]] = []
        edits = max_edits(len(parts.core))
        for core, ratio, position in scored:
            if Levenshtein.distance(parts.core, core, score_cutoff=edits) > edits:
                continue
            index = candidates[position]
            listed = normalize_name(self._names[index])
            typed, found = len(parts.core), len(core)
            half = same_sound_substitutions(parts.core, core) / 2  # back half of each one's cost
            evidence = (
                ratio
                + 100 * Levenshtein.normalized_similarity(parts.core, core)
                + half * (200 / (typed + found) + 100 / max(typed, found))
                + 0.5 * fuzz.ratio(query, listed)
                + 10 * regions_agree(parts.region, _split_normalized(listed).region)
            )
            ranked.append((-evidence, -ratio, index))  # on a tie, the closer characters first
        ranked.sort()
        return [NameMatch(index, self._names[index], -ratio) for _, ratio, index in ranked]
