#!/usr/bin/env python3
"""Siting side by side with PySAL spopt + CBC on the peers' instance, in one run; then a
national-scale run of liaison alone. Run by benches/siting_peers.sh (which sets up the peers'
venv and the release binary); figures go to docs/benchmarks.md.

1. spopt_mclp.py (../shared/peers) writes the deterministic 10,000 x 1,000 instance (UTM 51N
   metres) and solves MCLP (p = 10, R = 1,500 m) and the p-median on its 1,000 x 100 subset.
2. `liaison plan` answers the same files. spopt measures Euclidean grid distance, liaison WGS84
   geodesic metres (the grid is the geodesic times the UTM point scale, k ~ 0.9996-1.0001 here), so
   liaison's chosen sites are also scored on the grid, like for like, with numpy.
3. National scale: the same generator over a 300 km square, 1,000,000 demand points x 50,000
   candidates, MCLP p = 500; wall time and peak memory (GNU time's maximum resident set).

Usage: .venv/bin/python benches/siting_peers.py BIN PEERS WORK (RUNS=3, NATIONAL=0 to skip it,
REUSE_SPOPT=1 to keep spopt's answers of an earlier run)
"""
import json
import os
import subprocess
import sys
import time

import numpy as np

BIN, PEERS, WORK = sys.argv[1:4]
RUNS = int(os.environ.get("RUNS", "3"))
sys.path.insert(0, PEERS)


def liaison(*args):
    """Runs `liaison plan ...`; answers (the JSON answer, wall seconds, peak RSS MiB of the child)."""
    out, rss = os.path.join(WORK, "answer.json"), os.path.join(WORK, "rss.txt")
    t0 = time.perf_counter()
    subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss, BIN, "--db", os.path.join(WORK, "unused.db"),
                    "plan", *args, "--out", out], check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    with open(rss) as f:
        peak_kib = int(f.read().split()[-1])
    with open(out) as f:
        return json.load(f), wall, peak_kib / 1024.0


def median(values):
    return float(np.median(values))


def grid_scores(answer, dem, cand, radius):
    """Covered weight and weighted distance of liaison's sites measured on the UTM grid."""
    ids = [int(c["id"]) for c in answer["chosen"]]
    pos = {int(r[0]): r[1:3] for r in cand}
    sites = np.array([pos[i] for i in ids])
    d = np.sqrt(((dem[:, None, 1:3] - sites[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    return float(dem[d <= radius, 3].sum()), float((dem[:, 3] * d).sum())


def main():
    os.makedirs(WORK, exist_ok=True)
    mclp_dir = os.path.join(WORK, "mclp")
    spopt_json = os.path.join(WORK, "spopt.json")
    print("# spopt + CBC (model build + solve), one run each", flush=True)
    if os.environ.get("REUSE_SPOPT") == "1" and os.path.exists(spopt_json):
        print(f"# REUSE_SPOPT=1: spopt's answers from {spopt_json}, not rerun", flush=True)
    else:
        subprocess.run([os.path.join(PEERS, ".venv/bin/python"), os.path.join(PEERS, "spopt_mclp.py"),
                        "--out", mclp_dir, "--pmedian-sizes", "1000x100", "--results", spopt_json], check=True)
    with open(spopt_json) as f:
        spopt = {r["problem"]: r for r in json.load(f)["runs"]}
    demand, candidates = os.path.join(mclp_dir, "demand.csv"), os.path.join(mclp_dir, "candidates.csv")
    dem = np.loadtxt(demand, delimiter=",", skiprows=1)
    cand = np.loadtxt(candidates, delimiter=",", skiprows=1)

    print(f"# liaison plan, {RUNS} runs each (median)", flush=True)
    results = {}
    answers = [liaison("mclp", "-p", "10", "--radius-m", "1500", "--demand", demand, "--candidates", candidates)
               for _ in range(RUNS)]
    a = answers[0][0]
    covered_grid, _ = grid_scores(a, dem, cand, 1500.0)
    s = spopt["MCLP"]
    results["mclp"] = {
        "liaison_covered_geodesic": a["covered_weight"], "liaison_covered_grid": covered_grid,
        "upper_bound": a["upper_bound"], "gap": a["gap"],
        "liaison_seconds": median([x[0]["seconds"] for x in answers]),
        "liaison_wall_s": median([x[1] for x in answers]),
        "spopt_optimum": s["covered_weight_check"], "spopt_s": s["time_total_s"],
        "share_of_optimum": covered_grid / s["covered_weight_check"],
    }
    results["mclp"]["time_ratio"] = results["mclp"]["liaison_seconds"] / s["time_total_s"]

    sub_d, sub_c = os.path.join(WORK, "d1000.csv"), os.path.join(WORK, "c100.csv")
    for src, dst, n in [(demand, sub_d, 1001), (candidates, sub_c, 101)]:
        with open(src) as f, open(dst, "w") as g:
            g.writelines(line for _, line in zip(range(n), f))
    answers = [liaison("pmedian", "-p", "10", "--radius-m", "1500", "--demand", sub_d, "--candidates", sub_c)
               for _ in range(RUNS)]
    a = answers[0][0]
    _, distance_grid = grid_scores(a, dem[:1000], cand[:100], 1500.0)
    s = spopt["p-median"]
    results["pmedian"] = {
        "liaison_weighted_m_geodesic": a["objective"], "liaison_weighted_m_grid": distance_grid,
        "lower_bound": a["lower_bound"], "gap": a["gap"],
        "liaison_seconds": median([x[0]["seconds"] for x in answers]),
        "liaison_wall_s": median([x[1] for x in answers]),
        "spopt_optimum": s["objective_check_nearest_open"], "spopt_s": s["time_total_s"],
        "above_optimum": distance_grid / s["objective_check_nearest_open"] - 1.0,
    }
    print(json.dumps(results, indent=1), flush=True)

    if os.environ.get("NATIONAL", "1") == "1":
        import spopt_mclp as gen
        national = os.path.join(WORK, "national")
        if not os.path.exists(os.path.join(national, "candidates.csv")):
            gen.SIDE = 300_000.0
            t0 = time.perf_counter()
            gen.gen_instance(national, 1_000_000, 50_000, 20240603)
            print(f"# generated the national instance in {time.perf_counter() - t0:.1f} s", flush=True)
        a, wall, peak = liaison("mclp", "-p", "500", "--radius-m", "1500",
                                "--demand", os.path.join(national, "demand.csv"),
                                "--candidates", os.path.join(national, "candidates.csv"))
        results["national"] = {
            "demand": a["inputs"]["demand_points"], "candidates": a["inputs"]["candidate_sites"], "p": 500,
            "covered_share": a["coverage"], "gap": a["gap"], "seconds": a["seconds"], "wall_s": wall,
            "peak_rss_mib": peak, "converged": a["converged"],
        }
        print(json.dumps(results["national"], indent=1), flush=True)
    with open(os.path.join(WORK, "results.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
