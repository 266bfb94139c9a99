#!/bin/sh
# make-data.sh — regenerates the example data sets from the example models.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# usage: data/examples/make-data.sh BUILD_DIR   (run from the source root)
set -eu
cli="$1/src/cli/currents-cli"
d=data/examples
m="--method rk8pd --rtol 1e-10 --atol 1e-12 --samples 41 --irregular --seed 2026"
"$cli" simulate $d/toggle.ode $m --t1 10 --trajectories 6 --init-box u=0:5,v=0:3 \
  --levels iptg=0,0.5,0.8,1.2 --noise 0.01 -o $d/toggle.csv
"$cli" simulate $d/lotka-volterra.ode --method rk8pd --rtol 1e-10 --atol 1e-12 --samples 61 \
  --irregular --seed 2026 --t1 20 --trajectories 12 --init-box x=5:20,y=1:6 --noise-rel 0.01 \
  -o $d/lotka-volterra.csv
"$cli" simulate $d/vanderpol.ode $m --t1 15 --trajectories 8 --init-box x=-3:3,y=-3:3 \
  --noise 0.02 -o $d/vanderpol.csv
"$cli" simulate $d/pendulum.ode $m --t1 12 --trajectories 10 --init-box theta=-3:3,omega=-4:4 \
  --noise 0.02 -o $d/pendulum.csv
"$cli" simulate $d/brusselator.ode $m --t1 20 --trajectories 8 --init-box x=0:4,y=0:5 \
  --noise 0.02 -o $d/brusselator.csv
"$cli" simulate $d/fitzhugh-nagumo.ode $m --t1 60 --trajectories 6 --init-box v=-2:2,w=-0.5:1.5 \
  --levels i=0,0.5 --noise 0.02 -o $d/fitzhugh-nagumo.csv
"$cli" simulate $d/lorenz.ode $m --t1 5 --trajectories 8 --init-box x=-15:15,y=-20:20,z=5:40 \
  --noise 0.1 -o $d/lorenz.csv
"$cli" simulate $d/repressilator.ode $m --t1 40 --trajectories 6 --init-box x=0:5,y=0:5,z=0:5 \
  --noise-rel 0.02 -o $d/repressilator.csv
"$cli" simulate $d/chemostat.ode $m --t1 30 --trajectories 8 --init-box X=0.05:2,S=0:5 \
  --noise-rel 0.02 -o $d/chemostat.csv
"$cli" simulate $d/sir.ode $m --t1 160 --trajectories 6 --init-box S=600:990,I=1:40,R=0:200 \
  --noise-rel 0.02 -o $d/sir.csv
"$cli" simulate $d/enzyme.ode $m --t1 60 --trajectories 5 \
  --init-box S=4:10,E=0.5:1.5,C=0:0.2,P=0:2 --noise 0.005 -o $d/enzyme.csv
"$cli" simulate $d/oscillator.ode $m --t1 20 --trajectories 8 --init-box x=-1.6:1.6,p=-1:1 \
  --noise 0.01 -o $d/oscillator.csv
"$cli" simulate $d/spiral.ode $m --t1 30 --trajectories 6 --init-box x=-2:2,y=-2:2 \
  --noise 0.01 -o $d/spiral.csv
# The fed-batch bioreactor: feed schedules are not something `simulate` makes, so a small
# program that uses the engine writes the data (tests/make-fedbatch-data.c); the trained
# hybrid is shipped so that the gallery shows the recovered growth law at once.
"$1/tests/make-fedbatch-data" $d/fedbatch-true.ode $d/fedbatch.csv
"$cli" train $d/fedbatch.csv --input F --model $d/fedbatch.ode --epochs 3000 --lr 0.01 \
  --clip 1 --val-fraction 0 --seed 0 -q -o $d/fedbatch-trained.json

# cells.csv: snapshots of a population (no cell identities). 300 cells at each of
# t = 0, 1, 2, 3, drawn from a mixture of two Gaussians at t = 0 carried by the linear flow
#   d(x, y)/dt = A (x, y),   A = [[-0.15, -0.7], [0.7, -0.15]]
# (a contracting spiral): exactly x(t) = e^{At} x(0) = e^{-0.15t} R(0.7t) x(0). Fresh cells
# are drawn at every time, as in a destructive measurement. Python's Mersenne Twister
# with a fixed seed, so the file is reproducible.
python3 - "$d/cells.csv" <<'PY'
import math, random, sys
random.seed(2026)
comps = [(0.55, (2.0, 0.3), (0.16, 0.05, 0.08)),    # weight, mean, (var x, cov, var y)
         (0.45, (-0.6, 1.8), (0.06, -0.02, 0.10))]
def draw():
    u, acc = random.random(), 0.0
    for w, m, (vx, c, vy) in comps:
        acc += w
        if u <= acc:
            break
    l00 = math.sqrt(vx); l10 = c / l00; l11 = math.sqrt(vy - l10 * l10)
    z0, z1 = random.gauss(0, 1), random.gauss(0, 1)
    return m[0] + l00 * z0, m[1] + l10 * z0 + l11 * z1
with open(sys.argv[1], "w") as f:
    f.write("# cells.csv: snapshots of a population, made by data/examples/make-data.sh\n")
    f.write("t,x,y\n")
    for t in (0, 1, 2, 3):
        s, a, b = math.exp(-0.15 * t), math.cos(0.7 * t), math.sin(0.7 * t)
        for _ in range(300):
            x0, y0 = draw()
            f.write("%g,%.6f,%.6f\n" % (t, s * (a * x0 - b * y0), s * (b * x0 + a * y0)))
PY
# cells-pop.json: the population model trained on it (a few minutes)
"$cli" train --snapshots $d/cells.csv --hidden 16,16 --components 2 --epochs 700 --lr 0.015 \
  --seed 1 --quiet -o $d/cells-pop.json

# Networks trained on the examples' data, for reading equations back (currents-cli discover)
# and for the extrapolation tests; each file records its own command.
"$cli" train $d/lotka-volterra.csv --hidden 32,32 --epochs 8000 --lr 0.005 --val-fraction 0 \
  --seed 1 -q -o $d/lotka-volterra-trained.json
"$cli" train $d/toggle.csv --input iptg --hidden 64,64 --epochs 8000 --lr 0.003 \
  --val-fraction 0 --seed 2 --rtol 1e-8 --atol 1e-10 -q -o $d/toggle-trained.json
