//! Weighted edit alignment of two unit sequences (answer against reference).
//!
//! Costs are per mille: pairing two units costs `1000 - similarity`, an inserted or omitted
//! unit costs 1000. Ties prefer pairing, then an inserted answer unit, then an omitted
//! reference unit, so the alignment is the same on every platform.

/// Cost of a unit with no partner.
const GAP: u32 = 1000;

/// One step of an alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Answer unit `answer` was paired with reference unit `reference`.
    Paired {
        answer: usize,
        reference: usize,
        similarity: u16,
    },
    /// Answer unit with no reference partner.
    Inserted { answer: usize },
    /// Reference unit the answer left out.
    Omitted { reference: usize },
}

/// Minimal total cost of aligning `n` answer units with `m` reference units.
/// `dp` is scratch space, reused between calls to avoid allocations.
pub(crate) fn cost(
    n: usize,
    m: usize,
    sim: impl FnMut(usize, usize) -> u16,
    dp: &mut Vec<u32>,
) -> u32 {
    fill(n, m, sim, dp);
    dp.last().copied().unwrap_or(0)
}

/// The minimal-cost alignment itself, in order.
pub(crate) fn align(
    n: usize,
    m: usize,
    mut sim: impl FnMut(usize, usize) -> u16,
    dp: &mut Vec<u32>,
) -> Vec<Step> {
    fill(n, m, &mut sim, dp);
    let width = m + 1;
    let at = |i: usize, j: usize| dp.get(i * width + j).copied().unwrap_or(u32::MAX);
    let mut steps = Vec::with_capacity(n.max(m));
    let (mut i, mut j) = (n, m);
    while i > 0 || j > 0 {
        let here = at(i, j);
        if i > 0 && j > 0 {
            let similarity = sim(i - 1, j - 1);
            if at(i - 1, j - 1).saturating_add(pair_cost(similarity)) == here {
                steps.push(Step::Paired {
                    answer: i - 1,
                    reference: j - 1,
                    similarity,
                });
                i -= 1;
                j -= 1;
                continue;
            }
        }
        if i > 0 && (j == 0 || at(i - 1, j).saturating_add(GAP) == here) {
            steps.push(Step::Inserted { answer: i - 1 });
            i -= 1;
        } else {
            steps.push(Step::Omitted { reference: j - 1 });
            j -= 1;
        }
    }
    steps.reverse();
    steps
}

fn pair_cost(similarity: u16) -> u32 {
    1000 - u32::from(similarity.min(1000))
}

fn gaps(count: usize) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX).saturating_mul(GAP)
}

/// Fills the (n+1)×(m+1) cost matrix, row-major, into `dp`.
fn fill(n: usize, m: usize, mut sim: impl FnMut(usize, usize) -> u16, dp: &mut Vec<u32>) {
    let width = m + 1;
    dp.clear();
    dp.extend((0..=m).map(gaps));
    for i in 1..=n {
        let row = (i - 1) * width;
        dp.push(gaps(i));
        for j in 1..=m {
            let diagonal = dp[row + j - 1].saturating_add(pair_cost(sim(i - 1, j - 1)));
            let inserted = dp[row + j].saturating_add(GAP);
            let omitted = dp[row + width + j - 1].saturating_add(GAP);
            dp.push(diagonal.min(inserted).min(omitted));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(a: &[&str], b: &[&str]) -> impl Fn(usize, usize) -> u16 {
        let (a, b): (Vec<String>, Vec<String>) = (
            a.iter().map(|s| s.to_string()).collect(),
            b.iter().map(|s| s.to_string()).collect(),
        );
        move |i, j| if a[i] == b[j] { 1000 } else { 0 }
    }

    #[test]
    fn aligns_insertions_and_omissions() {
        let a = ["um", "one", "iced", "americano"];
        let b = ["one", "iced", "americano", "please"];
        let mut dp = Vec::new();
        let steps = align(a.len(), b.len(), exact(&a, &b), &mut dp);
        assert_eq!(
            steps,
            [
                Step::Inserted { answer: 0 },
                Step::Paired {
                    answer: 1,
                    reference: 0,
                    similarity: 1000
                },
                Step::Paired {
                    answer: 2,
                    reference: 1,
                    similarity: 1000
                },
                Step::Paired {
                    answer: 3,
                    reference: 2,
                    similarity: 1000
                },
                Step::Omitted { reference: 3 },
            ]
        );
        assert_eq!(cost(a.len(), b.len(), exact(&a, &b), &mut dp), 2000);
    }

    #[test]
    fn handles_empty_sides() {
        let mut dp = Vec::new();
        assert_eq!(cost(0, 3, |_, _| 0, &mut dp), 3000);
        assert_eq!(
            align(2, 0, |_, _| 0, &mut dp),
            [Step::Inserted { answer: 0 }, Step::Inserted { answer: 1 }]
        );
        assert!(align(0, 0, |_, _| 0, &mut dp).is_empty());
    }
}
