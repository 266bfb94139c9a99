/* currents-dopri-private.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The explicit Dormand–Prince 5(4) pair (FSAL, seven stages) with Hairer's PI step-size
 * control and the free 4th-order dense output, for the adjoint module.
 *
 * One step from (t, y) with step h:
 *
 *   k_1 = f(t, y)                       (the previous step's k_7)
 *   k_i = f(t + c_i h, y + h Σ_{j<i} a_ij k_j),   i = 2 … 7
 *   y⁺  = y + h Σ_i b_i k_i             (= the input of stage 7, b = a_7·)
 *   err = h Σ_i e_i k_i                 (e = b − b̂, b̂ the embedded 4th-order weights)
 *
 *   dense output  y(t + θh) = y + h Σ_i w_i(θ) k_i,  with
 *   w_i(θ) = θ b_i + θ(1−θ)(δ_i1 − b_i) + θ²(1−θ)(2b_i − δ_i1 − δ_i7) + θ²(1−θ)² d_i
 *
 * (Hairer, Nørsett & Wanner, Solving ODEs I, II.5–II.6; dopri5.f's contd5 written as
 * stage weights so it can be differentiated).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CURRENTS_DOPRI_STAGES 7
#define CURRENTS_DOPRI_NO_STAGE G_MAXUINT

extern const double _currents_dopri_c[CURRENTS_DOPRI_STAGES];
/* a[i][j], i, j < 7 (row i = stage i + 1), lower triangular; a[6] = b */
extern const double _currents_dopri_a[CURRENTS_DOPRI_STAGES][CURRENTS_DOPRI_STAGES];
extern const double _currents_dopri_b[CURRENTS_DOPRI_STAGES];
extern const double _currents_dopri_e[CURRENTS_DOPRI_STAGES];
extern const double _currents_dopri_d[CURRENTS_DOPRI_STAGES];

/* dydt = g(t, y), dim values. Must not allocate. */
typedef void (*CurrentsDopriFunc) (double        t,
                                   const double *y,
                                   double       *dydt,
                                   gpointer      data);

typedef enum
{
  CURRENTS_DOPRI_OK,
  CURRENTS_DOPRI_MAX_STEPS,
  CURRENTS_DOPRI_UNDERFLOW,
  CURRENTS_DOPRI_NON_FINITE,
  CURRENTS_DOPRI_CANCELLED,
  CURRENTS_DOPRI_CALLBACK,     /* the step callback failed (it set its own error) */
  CURRENTS_DOPRI_REPLAY,       /* a replayed step sequence does not fit */
} CurrentsDopriStatus;

typedef struct _CurrentsDopri CurrentsDopri;

/* Called after each accepted step from (t, dp->y) to (t_new, dp->y_new) with step h, the
 * stages still in dp->k[0..6] (k[6] = f(t_new, y_new)). */
typedef gboolean (*CurrentsDopriStepFunc) (CurrentsDopri *dp,
                                           double         t,
                                           double         h,
                                           double         t_new,
                                           gpointer       data);

/* All fields are read-only to callers except where said. */
struct _CurrentsDopri
{
  gsize              dim;
  gsize              cap;         /* dim the buffers were allocated for */

  /* Settings (callers set them between runs). The error-controlled components are
   * [0, group_end[n_groups − 1]), in groups [group_end[g − 1], group_end[g]) (x, λ, μ);
   * the error norm is the largest RMS norm of a group (torchdiffeq's mixed norm), so
   * adding a group can only tighten the control. The rest ride along uncontrolled. */
  guint              n_groups;
  gsize              group_end[4];
  /* When group_split[g] > 0, group g is itself cut into consecutive subgroups of that
   * many components, each with its own RMS norm (a stacked system: one subgroup per
   * trajectory, so the control is the same whatever the number of trajectories). */
  gsize              group_split[4];
  /* func reads only y[0 .. n_read): the rest are quadratures (μ), whose stage inputs are
   * then never formed (only y⁺). */
  gsize              n_read;
  double             rtol;
  double             atol;
  double             h_min;       /* 0: 1e-12·max(1, |t|) */
  gsize              max_steps;   /* step attempts (accepted + rejected) per solve */
  CurrentsDopriFunc  func;
  gpointer           func_data;
  GCancellable      *cancellable;
  /* When not NULL: take exactly these steps (triples t, h, t_new) without error
   * control. */
  const double      *replay;
  gsize              n_replay;

  /* State. */
  double             t;
  double            *y;          /* dim */
  double            *y_new;      /* dim */
  double            *k[CURRENTS_DOPRI_STAGES];   /* dim each; k[0] = f(t, y) when have_k1 */
  double            *err;        /* dim */
  gboolean           have_k1;
  double             h;          /* signed proposal, 0: none yet */
  double             err_old;
  gboolean           last_rejected;
  gboolean           nonfinite;  /* the last rejection was for a non-finite stage */
  /* Which stage func is evaluating: 0 for k_1 at a step's start, s = 1 … 6 for k_{s+1} of
   * the step being attempted, CURRENTS_DOPRI_NO_STAGE for the first-step probe (so a
   * func can file what it computes per stage). */
  guint              stage;
  gsize              replay_pos;

  /* Counts since _currents_dopri_begin(). */
  gsize              n_steps;
  gsize              n_rejected;
  gsize              nfe;
};

CurrentsDopri       *_currents_dopri_new    (gsize          dim);
void                 _currents_dopri_free   (CurrentsDopri *dp);
/* Reallocates for a new dimension when it exceeds the allocated one; one group [0, dim),
 * n_read = dim. */
void                 _currents_dopri_resize (CurrentsDopri *dp,
                                             gsize          dim);
/* Starts a solve at (t, y): counts and the step proposal reset. */
void                 _currents_dopri_begin  (CurrentsDopri *dp,
                                             double         t,
                                             const double  *y);
/* After the caller changed dp->y in place (a jump): k_1 is recomputed, the step-size
 * proposal is kept. */
void                 _currents_dopri_restart (CurrentsDopri *dp);
/* Advances to exactly t_stop (either direction), calling @step_cb after each accepted
 * step. */
CurrentsDopriStatus  _currents_dopri_advance (CurrentsDopri         *dp,
                                              double                 t_stop,
                                              CurrentsDopriStepFunc  step_cb,
                                              gpointer               cb_data);

/* out[0..n) = y + h Σ_{j<s} a_sj k_j, the input of stage s (0-based, 1 ≤ s ≤ 6), summed
 * in a fixed order (the discrete adjoint recomputes stages with it bit for bit). */
void                 _currents_dopri_stage_input (const double  *y,
                                                  double *const *k,
                                                  guint          s,
                                                  double         h,
                                                  gsize          n,
                                                  double        *out);
/* w[0..6] = w_i(θ) of the dense output above. */
void                 _currents_dopri_dense_weights (double theta,
                                                    double w[CURRENTS_DOPRI_STAGES]);
/* out = y + h Σ w_i(θ) k_i from the current step's stages (inside a step callback). */
void                 _currents_dopri_dense_eval_step (const CurrentsDopri *dp,
                                                      double               h,
                                                      double               theta,
                                                      gsize                n,
                                                      double              *out);
/* Hairer's five dense-output vectors r (5 × n, for the first n components) of the
 * current step, and their evaluation
 *   y(θ) = r0 + θ(r1 + (1−θ)(r2 + θ(r3 + (1−θ) r4))). */
void                 _currents_dopri_dense_coeffs  (const CurrentsDopri *dp,
                                                    double               h,
                                                    gsize                n,
                                                    double              *r);
void                 _currents_dopri_dense_coeffs_eval (const double *r,
                                                        gsize         n,
                                                        double        theta,
                                                        double       *out);

G_END_DECLS
