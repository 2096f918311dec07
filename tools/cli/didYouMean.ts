// "Did you mean …?" for values the user typed: the closest candidate, when it is close enough.

/** Edit distance with transpositions (optimal string alignment). */
export function editDistance(a: string, b: string): number {
    const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
        }
    }
    return rows[a.length][b.length];
}

/** The candidate closest to `word` (case-insensitive), if at most about a third of it differs. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
    const typed = word.toLowerCase();
    let best: { candidate: string; distance: number } | undefined;
    for (const candidate of candidates) {
        const distance = editDistance(typed, candidate.toLowerCase());
        if (best === undefined || distance < best.distance) best = { candidate, distance };
    }
    if (best === undefined) return undefined;
    const allowed = Math.max(1, Math.floor(Math.max(typed.length, best.candidate.length) / 3));
    return best.distance <= allowed ? best.candidate : undefined;
}

/** " (did you mean X?)", or "" when nothing is close. */
export function didYouMean(word: string, candidates: readonly string[]): string {
    const suggestion = closest(word, candidates);
    return suggestion === undefined ? "" : ` (did you mean ${suggestion}?)`;
}
