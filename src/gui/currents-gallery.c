/* currents-gallery.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The classroom gallery: the bundled examples (and the teacher's own `.ode` files in the
 * user's gallery folder) as cards. Each card's thumbnail is the phase portrait drawn
 * with src/plot in a worker thread, one card at a time while the gallery is shown, and
 * kept (by card and model text) across refreshes.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-gallery"

#include <adwaita.h>
#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>

#include "currents-engine.h"
#include "currents-gallery.h"
#include "currents-plot-portrait.h"
#include "currents-plot-scene.h"
#include "currents-view-util-private.h"

#define EXAMPLES_PATH  "/org/currents/Currents/examples/"
#define GROUP          "Gallery"
#define USER_PREFIX    "user:"
/* thumbnails: the card's and the detail page's, drawn at the size they are shown */
#define CARD_WIDTH     320
#define CARD_HEIGHT    208
#define DETAIL_WIDTH   500
#define DETAIL_HEIGHT  330

/* The bundled cards' texts, for gettext: the .gallery files hold the same English text,
 * which is looked up as the msgid when the card is read. */
static const char *const bundled_texts[] = {
  /* brusselator.gallery */
  N_("Brusselator"),
  N_("A chemical clock born in a Hopf bifurcation"),
  N_("Prigogine and Lefever’s model of an autocatalytic reaction. For small b the "
     "concentrations settle to a steady state; at b = 1 + a² it loses stability and a "
     "limit cycle is born: the mixture starts to oscillate, as the Belousov–Zhabotinsky "
     "reaction does in a dish."),
  N_("Move b across 1 + a² = 2 and watch the focus turn unstable"),
  N_("Open the diagram and find the Hopf point"),
  N_("Compare the period of the cycle for b = 2.5 and b = 3.5"),
  /* cells.gallery */
  N_("Cells Without Names"),
  N_("A population seen only in snapshots: learn the flow that carries its density"),
  N_("Single-cell measurements destroy the cells they measure, so each time point is "
     "a fresh cloud of cells with no identities. A continuous normalizing flow "
     "learns the field that carries the density of the first snapshot through the "
     "later ones; the Population page shows that density evolving in time, the "
     "measured cells at their times, and sample paths of the flow. The portrait "
     "shows the spiral that really made the data."),
  N_("Drag the time slider across the snapshot times and between them"),
  N_("Compare the sample paths with the spiral in the portrait"),
  N_("Press Train to continue training the population model from the snapshots"),
  /* chemostat-hybrid.gallery */
  N_("Chemostat with a Learned Growth Law"),
  N_("Known mass balances, an unknown growth rate learned from data"),
  N_("Bacteria X grow on a substrate S in a continuously diluted vessel. The balance "
     "equations are known; the growth rate mu(S) is a small neural network inside them. "
     "Train it on the measurements and the hybrid model finds Monod’s law by itself."),
  N_("Open the training panel and fit the growth term to the data"),
  N_("Compare the learned model with the Monod model in the learned-versus-known view"),
  N_("Raise the dilution rate D until the bacteria wash out"),
  /* fedbatch.gallery */
  N_("Fed-Batch Bioreactor with a Learned Growth Law"),
  N_("A hybrid model finds the growth law hidden in eight fed-batch runs"),
  N_("Biomass X grows on a substrate S in a vessel that is fed with fresh medium at a rate "
     "F(t) that changes during each run. Volume, substrate and biomass balances are known; "
     "the specific growth rate mu(S) is a small neural network. Trained on the runs, it "
     "recovers Haldane’s law — growth that slows down again when there is too much "
     "substrate — wherever the data reach, and only there."),
  N_("Compare the learned mu(S) with Haldane’s law inside the shaded range of the data"),
  N_("Change the reference constants, e.g. Ki=20, and watch the difference grow"),
  N_("Look beyond the data: the network extrapolates where no run went"),
  /* enzyme.gallery */
  N_("Enzyme Kinetics"),
  N_("A conserved metabolic network: substrate to product through a complex"),
  N_("The enzyme E binds the substrate S into a complex C that releases the product P. No "
     "reaction creates or destroys the enzyme or the substrate’s material, so E + C and S "
     "+ C + P stay constant: the four variables move on a two-dimensional surface. The "
     "complex quickly reaches a quasi-steady state, the origin of the Michaelis–Menten "
     "law."),
  N_("Check in the time series that the aux quantities Etot and Stot stay constant"),
  N_("Raise the catalytic rate k2 and watch the substrate run out sooner"),
  N_("Notice the fast rise of C before the slow decay: two time scales"),
  /* enzyme-conserve.gallery */
  N_("Enzyme with Conservation Penalties"),
  N_("A learned model told which quantities must stay constant"),
  N_("Every rate of change of the enzyme model is a small neural network, so nothing "
     "forces E + C or S + C + P to stay constant. Two conserve statements add a "
     "penalty to the training loss for any change of these quantities along the data "
     "and the predicted trajectories; the trained model then nearly conserves them."),
  N_("Train the model and watch Etot and Stot in the time series"),
  N_("Set a penalty weight to 0 in the model and train again: the quantities drift "
     "more"),
  N_("Compare with the reaction network card, which conserves them exactly"),
  /* enzyme-reactions.gallery */
  N_("Enzyme Reactions with Learned Rates"),
  N_("Known reactions, unknown rates: what the reactions conserve holds exactly"),
  N_("The reactions of the enzyme are written down — S + E → C, C → S + E, C → E + P "
     "— and a neural network learns how fast each runs. Because the equations are "
     "the stoichiometric matrix times the rates, two quantities are conserved "
     "exactly, whatever the network learns: the enzyme, free or bound (E + C), and "
     "the substrate in all its forms (S + C + P)."),
  N_("Train the rates on the data and compare with the enzyme card"),
  N_("Check in the time series that the aux quantities Etot and Stot stay constant, "
     "before and after training"),
  N_("Run currents-cli check on the model to see the conserved quantities it found"),
  /* fitzhugh-nagumo.gallery */
  N_("FitzHugh–Nagumo Neuron"),
  N_("A nerve cell that fires once it gets enough current"),
  N_("A two-variable caricature of the Hodgkin–Huxley neuron: a fast voltage v with a "
     "cubic nullcline and a slow recovery w. Below a threshold current the cell rests; "
     "above it the rest state loses stability and the neuron fires spike after spike."),
  N_("Lower the current i to 0 and kick the resting cell with a click: one spike, then rest"),
  N_("Raise i until the neuron fires repetitively"),
  N_("Watch the trajectory jump between the outer branches of the cubic nullcline"),
  /* lorenz.gallery */
  N_("Lorenz Attractor"),
  N_("Deterministic chaos in three equations"),
  N_("Edward Lorenz’s 1963 model of convection in a layer of air. Its orbits never repeat "
     "and never settle: they wind around two unstable foci on a butterfly-shaped strange "
     "attractor, and nearby starts drift apart exponentially fast."),
  N_("Launch two trajectories from almost the same point and watch them separate"),
  N_("Look at the attractor in the x–z plane"),
  N_("Lower rho below 24.74 and see the chaos give way to steady convection"),
  /* lotka-volterra.gallery */
  N_("Predator and Prey"),
  N_("Hares and lynxes rising and falling in turn, forever"),
  N_("Lotka and Volterra’s model of prey x eaten by predators y. The prey grow without "
     "predators, the predators starve without prey. Around the coexistence point every "
     "orbit is closed: the populations cycle for ever, with amplitudes set by where they "
     "start."),
  N_("Click at several points to see that each orbit closes on itself"),
  N_("Change the predation rate b and watch the centre (c/d, a/b) move"),
  N_("Open the time series to see the predator peaks lag behind the prey’s"),
  /* oscillator.gallery */
  N_("Hamiltonian Oscillator"),
  N_("A frictionless double well: orbits are level curves of the energy"),
  N_("The undamped Duffing oscillator, a ball rolling in a landscape with two valleys. "
     "Without friction its energy H is conserved and every orbit traces a level curve of "
     "H: small loops in each valley, large ones over both, and the figure-eight through "
     "the saddle between them."),
  N_("Start trajectories inside each well and above the saddle"),
  N_("Check in the time series that the energy H stays constant"),
  N_("Make alpha positive and watch the two wells merge into one"),
  /* oscillator-hnn.gallery */
  N_("Hamiltonian Network"),
  N_("A network learns the energy; the motion conserves it by construction"),
  N_("Instead of the vector field, a small neural network learns one number, the "
     "energy H(x, p) of the double-well oscillator, and the motion follows x′ = "
     "∂H/∂p, p′ = −∂H/∂x. Whatever the weights, the flow keeps the learned energy "
     "and the area of any patch of the plane: before training the orbits already "
     "close, after training they follow the data’s."),
  N_("Train the network on the data and compare the orbits with the oscillator "
     "card’s"),
  N_("Start trajectories in each well: they close on themselves at any stage of "
     "training"),
  N_("Simulate a long run with currents-cli simulate --method gauss4 and watch the "
     "column H stay constant"),
  /* pendulum.gallery */
  N_("Damped Pendulum"),
  N_("Swinging, spinning over the top, and coming to rest"),
  N_("A pendulum with friction b. Hanging down is a stable focus, standing up a saddle. "
     "Push hard enough and it swings over the top once or several times before it settles: "
     "the separatrices of the saddles divide the plane by how many turns that takes."),
  N_("Set the friction b to 0 and see the orbits close around the bottom"),
  N_("Show the separatrices and the basins to count the turns"),
  N_("Follow the energy (an aux quantity) in the time series as it drains away"),
  /* pendulum-dissipative.gallery */
  N_("Dissipative Hamiltonian Network"),
  N_("A learned energy and a learned friction that can only take energy away"),
  N_("The damped pendulum loses energy to friction. A neural network learns its "
     "energy H, and a learned friction acts on the angular velocity; by construction "
     "the learned energy can only decrease along every trajectory, so the model "
     "cannot invent a perpetual motion, whatever its weights."),
  N_("Train the model on the data and compare the spirals with the pendulum card’s"),
  N_("Run currents-cli simulate on the trained model and check that the column H only "
     "decreases"),
  N_("Train again without damping= and see the orbits close instead of spiralling in"),
  /* repressilator.gallery */
  N_("Repressilator"),
  N_("Three genes in a ring of repression make a clock"),
  N_("Elowitz and Leibler’s synthetic oscillator: each of three genes represses the next "
     "one around a ring. When the repression is steep enough the balanced state becomes "
     "unstable and the three proteins peak in turn, like a clock built from DNA."),
  N_("Lower the Hill coefficient n below 2 and watch the oscillation die out"),
  N_("Open the time series to see the three proteins peak in turn"),
  N_("Look at the phase portrait from different pairs of axes"),
  /* resnet.gallery */
  N_("A ResNet Is an ODE"),
  N_("Residual layers are Euler steps of a vector field"),
  N_("A residual network with one shared block f computes x + h f(x) layer after layer: "
     "Euler’s method with step h. Drawn over the exact flow of the same field, coarse "
     "steps overshoot and spiral outward; as h shrinks and the layers multiply, the "
     "network’s path approaches the continuous trajectory — a neural ODE."),
  N_("Move the step size h and watch the error at the end shrink in proportion to h"),
  N_("Find the step size above which the steps spiral outward"),
  N_("Count how many layers it takes to match the flow to within 1%"),
  /* sir.gallery */
  N_("SIR Epidemic"),
  N_("How an outbreak grows, peaks and burns out"),
  N_("Kermack and McKendrick’s model of an epidemic in a closed population of susceptible, "
     "infected and recovered people. Nobody is born or dies, so S + I + R stays constant. "
     "Infections rise while each case infects more than one other person, and the epidemic "
     "ends before everyone has caught it."),
  N_("Lower the contact rate beta until R0 = beta/gamma drops below 1 and no outbreak starts"),
  N_("Read off the peak of I in the time series"),
  N_("See how many remain susceptible at the end, and check that the aux pop stays constant"),
  /* toggle.gallery */
  N_("Genetic Toggle Switch"),
  N_("Two genes that shut each other off: a memory made of molecules"),
  N_("Gardner, Cantor and Collins built this switch in E. coli in 2000. Each repressor "
     "silences the other’s gene. The inducer IPTG weakens u: between two tipping points "
     "the cell can settle in either of two stable states and remembers which one it came "
     "from; sweep IPTG up and back down and the switch follows a hysteresis loop."),
  N_("Drag the iptg slider from 0 to 1.2 and watch a second stable state appear with a "
     "saddle, then the first one merge with the saddle and disappear"),
  N_("Follow the branch of equilibria in the diagram and find the two folds of the "
     "hysteresis loop"),
  N_("Click in the plane to start trajectories on both sides of the separatrix"),
  /* vanderpol.gallery */
  N_("Van der Pol Oscillator"),
  N_("A heartbeat from a vacuum tube: every orbit finds the same cycle"),
  N_("Balthasar van der Pol studied this circuit in 1926. Small swings are amplified and "
     "large ones damped, so all orbits, from inside or outside, wind onto one stable limit "
     "cycle. The parameter mu turns gentle sine waves into sharp relaxation oscillations."),
  N_("Raise mu from 0.1 to 5 and watch the cycle turn from a circle into a relaxation loop"),
  N_("Start trajectories inside and outside the cycle"),
  N_("Look at the cubic nullcline that shapes the fast jumps"),
};

typedef struct
{
  CurrentsGalleryExample ex;       /* points into the fields below */

  char        *id;
  char        *title;
  char        *summary;
  char        *description;
  char       **try_items;
  char        *model_name;
  char        *model_source;
  GFile       *model_file;
  char        *data_name;
  GBytes      *data;
  GFile       *data_file;
  char        *page;
  char        *x_axis;
  char        *y_axis;
  char       **set;
  char        *layers;
  char        *trained_name;
  GBytes      *trained;
  char        *reference;
  char        *population_name;
  GBytes      *population;
  char        *snapshots_name;
  GBytes      *snapshots;
  int          order;
  gboolean     user;
  char        *error;
  char        *equations;
  char        *thumb_key;          /* id and a hash of the model text */

  GtkWidget   *child;              /* the GtkFlowBoxChild */
  GtkStack    *thumb_stack;
  GtkPicture  *picture;
} Card;

struct _CurrentsGallery
{
  GtkWidget   parent_instance;

  /* template children */
  GtkStack   *pages;
  GtkFlowBox *flowbox;
  GtkLabel   *detail_title;
  GtkLabel   *detail_summary;
  GtkLabel   *detail_error;
  GtkLabel   *detail_description;
  GtkLabel   *try_heading;
  GtkBox     *try_box;
  GtkLabel   *detail_equations;
  GtkLabel   *detail_data;
  GtkStack   *detail_thumb_stack;
  GtkPicture *detail_picture;
  GtkButton  *detail_open_button;

  GPtrArray  *cards;               /* Card, in order */
  char       *detail_id;
  GHashTable *thumbnails;          /* thumb key → the detail page's GdkTexture (its data
                                    * "card-texture" the card's), or a plain GObject when it
                                    * could not be drawn */
  GQueue      thumb_queue;         /* thumb keys to draw */
  GCancellable *thumb_cancellable; /* the drawing in flight, or NULL */
  char       *thumb_running;       /* its key */
  GFileMonitor *monitor;
  guint       refresh_source;
};

G_DEFINE_FINAL_TYPE (CurrentsGallery, currents_gallery, GTK_TYPE_WIDGET)

enum {
  OPEN_EXAMPLE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void thumb_pump (CurrentsGallery *self);

/* ---- cards ---- */

static void
card_free (gpointer data)
{
  Card *card = data;

  g_free (card->id);
  g_free (card->title);
  g_free (card->summary);
  g_free (card->description);
  g_strfreev (card->try_items);
  g_free (card->model_name);
  g_free (card->model_source);
  g_clear_object (&card->model_file);
  g_free (card->data_name);
  g_clear_pointer (&card->data, g_bytes_unref);
  g_clear_object (&card->data_file);
  g_free (card->page);
  g_free (card->x_axis);
  g_free (card->y_axis);
  g_strfreev (card->set);
  g_free (card->layers);
  g_free (card->trained_name);
  g_clear_pointer (&card->trained, g_bytes_unref);
  g_free (card->reference);
  g_free (card->population_name);
  g_clear_pointer (&card->population, g_bytes_unref);
  g_free (card->snapshots_name);
  g_clear_pointer (&card->snapshots, g_bytes_unref);
  g_free (card->error);
  g_free (card->equations);
  g_free (card->thumb_key);
  g_free (card);
}

static Card *
find_card (CurrentsGallery *self,
           const char      *id)
{
  for (guint i = 0; id != NULL && i < self->cards->len; i++)
    {
      Card *card = g_ptr_array_index (self->cards, i);

      if (g_str_equal (card->id, id))
        return card;
    }
  return NULL;
}

static gboolean
is_bundled_text (const char *text)
{
  for (gsize i = 0; i < G_N_ELEMENTS (bundled_texts); i++)
    if (g_str_equal (bundled_texts[i], text))
      return TRUE;
  return FALSE;
}

/* A bundled card's text, translated; a teacher's, in the user's language if given. */
static char *
card_text (GKeyFile   *keyfile,
           const char *key,
           gboolean    bundled)
{
  g_autofree char *text = NULL;

  if (!bundled)
    return g_key_file_get_locale_string (keyfile, GROUP, key, NULL, NULL);
  text = g_key_file_get_string (keyfile, GROUP, key, NULL);
  if (text == NULL || *text == '\0')
    return NULL;
  /* a programming error: the table above is what gettext extracts */
  if (!is_bundled_text (text))
    g_warning ("The gallery text “%s” is missing from bundled_texts[]", text);
  return g_strdup (_(text));
}

static char **
card_text_list (GKeyFile   *keyfile,
                const char *key,
                gboolean    bundled)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) items = NULL;

  items = bundled ? g_key_file_get_string_list (keyfile, GROUP, key, NULL, NULL)
                  : g_key_file_get_locale_string_list (keyfile, GROUP, key, NULL, NULL, NULL);
  for (guint i = 0; items != NULL && items[i] != NULL; i++)
    {
      g_strstrip (items[i]);
      if (*items[i] == '\0')
        continue;
      if (bundled && !is_bundled_text (items[i]))
        g_warning ("The gallery text “%s” is missing from bundled_texts[]", items[i]);
      g_strv_builder_add (builder, bundled ? _(items[i]) : items[i]);
    }
  return g_strv_builder_end (builder);
}

static char *
get_string (GKeyFile   *keyfile,
            const char *key)
{
  char *s = g_key_file_get_string (keyfile, GROUP, key, NULL);

  if (s != NULL)
    g_strstrip (s);
  if (s != NULL && *s == '\0')
    g_clear_pointer (&s, g_free);
  return s;
}

/* Reads the keys every card has; FALSE (with @card->error set) on a bad value. */
static gboolean
card_read_keys (Card     *card,
                GKeyFile *keyfile,
                gboolean  bundled)
{
  g_autofree double *view = NULL;
  g_auto(GStrv) layers = NULL;
  g_autoptr(GError) error = NULL;
  gsize n = 0;

  if (g_key_file_has_key (keyfile, GROUP, "Title", NULL))
    {
      g_free (card->title);
      card->title = card_text (keyfile, "Title", bundled);
    }
  if (g_key_file_has_key (keyfile, GROUP, "Summary", NULL))
    {
      g_free (card->summary);
      card->summary = card_text (keyfile, "Summary", bundled);
    }
  if (g_key_file_has_key (keyfile, GROUP, "Description", NULL))
    {
      g_free (card->description);
      card->description = card_text (keyfile, "Description", bundled);
    }
  card->try_items = card_text_list (keyfile, "Try", bundled);
  card->page = get_string (keyfile, "Page");
  card->x_axis = get_string (keyfile, "X");
  card->y_axis = get_string (keyfile, "Y");
  card->set = g_key_file_get_string_list (keyfile, GROUP, "Set", NULL, NULL);
  card->order = g_key_file_get_integer (keyfile, GROUP, "Order", NULL);
  card->reference = get_string (keyfile, "Reference");

  layers = g_key_file_get_string_list (keyfile, GROUP, "Layers", NULL, NULL);
  if (layers != NULL)
    {
      CurrentsPlotLayers parsed;

      for (guint i = 0; layers[i] != NULL; i++)
        g_strstrip (layers[i]);
      card->layers = g_strjoinv (",", layers);
      if (!currents_plot_layers_parse (card->layers, &parsed, &error))
        {
          card->error = g_strdup_printf (_("Layers: %s"), error->message);
          return FALSE;
        }
    }

  if (g_key_file_has_key (keyfile, GROUP, "View", NULL))
    {
      view = g_key_file_get_double_list (keyfile, GROUP, "View", &n, &error);
      if (view == NULL || n != 4 || !(view[0] < view[1]) || !(view[2] < view[3]))
        {
          card->error = g_strdup (_("View: expected four numbers xlo;xhi;ylo;yhi with "
                                    "xlo < xhi and ylo < yhi"));
          return FALSE;
        }
      card->ex.has_view = TRUE;
      memcpy (card->ex.view, view, sizeof card->ex.view);
    }

  for (guint i = 0; card->set != NULL && card->set[i] != NULL; i++)
    {
      const char *eq = strchr (g_strstrip (card->set[i]), '=');
      char *end = NULL;

      if (eq != NULL)
        g_ascii_strtod (eq + 1, &end);
      if (eq == NULL || eq == card->set[i] || end == eq + 1 || *g_strchug (end) != '\0')
        {
          card->error = g_strdup_printf (_("Set: “%s” is not NAME=VALUE"), card->set[i]);
          return FALSE;
        }
    }
  return TRUE;
}

/* The model's lines without comments and display options: what the detail page shows. */
static char *
equations_of (const char *source)
{
  g_auto(GStrv) lines = g_strsplit (source, "\n", -1);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);

      if (*line == '\0' || *line == '#' || *line == '@')
        continue;
      /* XPP ends the file at a word starting with d ("done"), not at "dx/dt=…" */
      if (g_ascii_tolower (*line) == 'd' && strchr (line, '=') == NULL)
        break;
      if (out->len > 0)
        g_string_append_c (out, '\n');
      g_string_append (out, line);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* A teacher's file without a .gallery: the title and text from its opening comment,
 * "# name.ode — the title", then a paragraph. */
static void
card_from_comments (Card       *card,
                    const char *source,
                    const char *basename)
{
  g_auto(GStrv) lines = g_strsplit (source, "\n", -1);
  g_autoptr(GString) paragraph = g_string_new (NULL);
  gboolean have_title = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);

      if (*line != '#')
        break;
      line = g_strstrip (line + 1);
      if (!have_title)
        {
          const char *seps[] = { " — ", " – ", " - ", ": " };

          have_title = TRUE;
          const char *space = strchr (line, ' ');
          gsize word = space != NULL ? (gsize) (space - line) : strlen (line);

          /* "name.ode — the title": the title after the file's name */
          if (word > 4 && g_ascii_strncasecmp (line + word - 4, ".ode", 4) == 0)
            for (guint s = 0; s < G_N_ELEMENTS (seps); s++)
              if (g_str_has_prefix (line + word, seps[s]))
                {
                  line += word + strlen (seps[s]);
                  break;
                }
          if (*line != '\0' && !g_str_equal (line, basename))
            {
              g_free (card->title);
              card->title = g_strdup (line);
              /* "the undamped oscillator" → "The undamped oscillator" */
              if (g_unichar_islower (g_utf8_get_char (card->title)))
                {
                  gunichar c = g_unichar_totitle (g_utf8_get_char (card->title));
                  char buf[8];
                  int len = g_unichar_to_utf8 (c, buf);
                  char *rest = g_utf8_next_char (card->title);
                  char *title = g_strdup_printf ("%.*s%s", len, buf, rest);

                  g_free (card->title);
                  card->title = title;
                }
            }
          continue;
        }
      if (g_str_has_prefix (line, "SPDX-") || g_str_has_prefix (line, "Copyright"))
        continue;
      if (*line == '\0')
        {
          if (paragraph->len > 0)
            break;
          continue;
        }
      if (paragraph->len > 0)
        g_string_append_c (paragraph, ' ');
      g_string_append (paragraph, line);
    }
  if (paragraph->len > 0)
    card->description = g_strdup (paragraph->str);
}

static void
card_finish (Card *card)
{
  card->equations = equations_of (card->model_source != NULL ? card->model_source : "");
  card->thumb_key = g_strdup_printf ("%s\n%08x", card->id,
                                     g_str_hash (card->model_source != NULL
                                                 ? card->model_source : ""));
  card->ex.id = card->id;
  card->ex.title = card->title;
  card->ex.model_name = card->model_name;
  card->ex.model_source = card->model_source;
  card->ex.model_file = card->model_file;
  card->ex.data_name = card->data_name;
  card->ex.data = card->data;
  card->ex.data_file = card->data_file;
  card->ex.page = card->page != NULL ? card->page : "portrait";
  card->ex.x_axis = card->x_axis;
  card->ex.y_axis = card->y_axis;
  card->ex.set = (const char *const *) card->set;
  card->ex.layers = card->layers;
  card->ex.trained_name = card->trained_name;
  card->ex.trained = card->trained;
  card->ex.reference = card->reference;
  card->ex.population_name = card->population_name;
  card->ex.population = card->population;
  card->ex.snapshots_name = card->snapshots_name;
  card->ex.snapshots = card->snapshots;
}

static GBytes *
lookup_example (const char *name)
{
  g_autofree char *path = NULL;

  if (name == NULL || strchr (name, '/') != NULL)
    return NULL;
  path = g_strconcat (EXAMPLES_PATH, name, NULL);
  return g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
}

static Card *
bundled_card (const char *gallery_name)
{
  g_autoptr(GBytes) bytes = lookup_example (gallery_name);
  g_autoptr(GBytes) model = NULL;
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  Card *card = g_new0 (Card, 1);

  card->id = g_strndup (gallery_name, strlen (gallery_name) - strlen (".gallery"));
  card->title = g_strdup (card->id);
  if (bytes == NULL
      || !g_key_file_load_from_bytes (keyfile, bytes, G_KEY_FILE_NONE, &error))
    {
      card->error = g_strdup (error != NULL ? error->message : _("The card is missing"));
      card_finish (card);
      return card;
    }
  if (card_read_keys (card, keyfile, TRUE))
    {
      card->model_name = get_string (keyfile, "Model");
      model = lookup_example (card->model_name);
      if (model == NULL)
        card->error = g_strdup_printf (_("The example model %s is missing"),
                                       card->model_name != NULL ? card->model_name : "");
      else
        card->model_source = g_strndup (g_bytes_get_data (model, NULL),
                                        g_bytes_get_size (model));
      card->data_name = get_string (keyfile, "Data");
      /* data is compiled in only when it was made: open without it otherwise */
      card->data = lookup_example (card->data_name);
      if (card->data == NULL)
        g_clear_pointer (&card->data_name, g_free);
      /* a trained model of the example, shown in its place */
      card->trained_name = get_string (keyfile, "Trained");
      card->trained = lookup_example (card->trained_name);
      if (card->trained_name != NULL && card->trained == NULL)
        card->error = g_strdup_printf (_("The trained example model %s is missing"),
                                       card->trained_name);
      /* a population of cells: its model and snapshots, when compiled in */
      card->population_name = get_string (keyfile, "Population");
      card->population = lookup_example (card->population_name);
      if (card->population == NULL)
        g_clear_pointer (&card->population_name, g_free);
      card->snapshots_name = get_string (keyfile, "Snapshots");
      card->snapshots = lookup_example (card->snapshots_name);
      if (card->snapshots == NULL)
        g_clear_pointer (&card->snapshots_name, g_free);
    }
  card_finish (card);
  return card;
}

static gboolean
is_ode_name (const char *name)
{
  g_autofree char *lower = g_utf8_strdown (name, -1);

  return g_str_has_suffix (lower, ".ode") && strlen (lower) > 4;
}

static Card *
user_card (GFile      *folder,
           const char *ode_name)
{
  g_autofree char *stem = g_strndup (ode_name, strlen (ode_name) - 4);
  g_autofree char *gallery_name = g_strconcat (stem, ".gallery", NULL);
  g_autoptr(GFile) gallery_file = g_file_get_child (folder, gallery_name);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *data_name = NULL;
  g_autoptr(CurrentsModel) model = NULL;
  Card *card = g_new0 (Card, 1);
  gsize length = 0;

  card->user = TRUE;
  card->order = G_MAXINT;
  card->id = g_strconcat (USER_PREFIX, stem, NULL);
  card->title = g_filename_display_name (stem);
  card->model_name = g_filename_display_name (ode_name);
  card->model_file = g_file_get_child (folder, ode_name);

  if (!g_file_load_contents (card->model_file, NULL, &contents, &length, NULL, &error))
    {
      card->error = g_strdup (error->message);
      card_finish (card);
      return card;
    }
  if (!g_utf8_validate (contents, length, NULL))
    {
      card->error = g_strdup_printf (_("%s is not a text file"), card->model_name);
      card_finish (card);
      return card;
    }
  card->model_source = g_steal_pointer (&contents);
  card_from_comments (card, card->model_source, card->model_name);

  if (g_file_query_exists (gallery_file, NULL))
    {
      g_autoptr(GKeyFile) keyfile = g_key_file_new ();
      g_autofree char *path = g_file_get_path (gallery_file);

      if (!g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, &error))
        {
          card->error = g_strdup_printf ("%s: %s", gallery_name, error->message);
          card_finish (card);
          return card;
        }
      if (!card_read_keys (card, keyfile, FALSE))
        {
          char *message = g_strdup_printf ("%s: %s", gallery_name, card->error);

          g_free (card->error);
          card->error = message;
          card_finish (card);
          return card;
        }
      data_name = get_string (keyfile, "Data");
    }

  model = currents_model_new_from_string (card->model_source, card->model_name, &error);
  if (model == NULL)
    {
      card->error = g_strdup (error != NULL ? error->message
                                            : _("The model could not be read"));
      card_finish (card);
      return card;
    }
  if (currents_model_get_n_states (model) == 0)
    {
      card->error = g_strdup_printf (_("%s: the model has no state variables"),
                                     card->model_name);
      card_finish (card);
      return card;
    }

  if (data_name == NULL)
    data_name = g_strconcat (stem, ".csv", NULL);
  if (strchr (data_name, '/') == NULL)
    {
      g_autoptr(GFile) data_file = g_file_get_child (folder, data_name);

      if (g_file_query_exists (data_file, NULL))
        {
          card->data_file = g_steal_pointer (&data_file);
          card->data_name = g_filename_display_name (data_name);
        }
    }
  card_finish (card);
  return card;
}

static int
compare_cards (gconstpointer a,
               gconstpointer b)
{
  const Card *ca = *(Card *const *) a, *cb = *(Card *const *) b;

  if (ca->user != cb->user)
    return ca->user ? 1 : -1;
  if (ca->order != cb->order)
    return ca->order < cb->order ? -1 : 1;
  return g_utf8_collate (ca->title, cb->title);
}

/* ---- thumbnails ---- */

typedef struct
{
  char   *key;
  char   *source;
  char   *name;
  char   *x_axis;
  char   *y_axis;
  char  **set;
  gboolean has_view;
  double  view[4];
  CurrentsPlotLayers layers;
  gboolean dark;
} ThumbJob;

static void
thumb_job_free (gpointer data)
{
  ThumbJob *job = data;

  g_free (job->key);
  g_free (job->source);
  g_free (job->name);
  g_free (job->x_axis);
  g_free (job->y_axis);
  g_strfreev (job->set);
  g_free (job);
}

static void
apply_assignments (CurrentsSystem    *system,
                   const char *const *set)
{
  for (guint i = 0; set != NULL && set[i] != NULL; i++)
    {
      const char *eq = strchr (set[i], '=');
      g_autofree char *name = NULL;
      double value;
      int k;

      if (eq == NULL)
        continue;
      name = g_strstrip (g_strndup (set[i], eq - set[i]));
      value = g_ascii_strtod (eq + 1, NULL);
      if ((k = currents_system_find_param (system, name)) >= 0)
        currents_system_get_params (system)[k] = value;
      else if ((k = currents_system_find_input (system, name)) >= 0)
        currents_system_get_inputs (system)[k] = value;
      else if ((k = currents_system_find_state (system, name)) >= 0)
        currents_system_get_initial (system)[k] = value;
    }
}

/* Draws the scene at one size, with the field and nullclines sampled for that size. */
static cairo_surface_t *
draw_size (CurrentsPlotScene           *scene,
           const CurrentsPortraitSpec  *spec,
           CurrentsPlotTheme           *theme,
           CurrentsPlotLayers           layers,
           const char                  *x_name,
           const char                  *y_name,
           const char                  *font,
           double                       arrow_spacing,
           int                          width,
           int                          height,
           GCancellable                *cancellable,
           GError                     **error)
{
  const CurrentsPlotLayers live_layers = CURRENTS_PLOT_LAYER_FIELD
                                         | CURRENTS_PLOT_LAYER_NULLCLINES
                                         | CURRENTS_PLOT_LAYER_EQUILIBRIA;
  CurrentsPortraitLive *live;
  CurrentsPlotViewport vp;
  cairo_surface_t *surface;
  cairo_t *cr;
  gsize nx, ny;

  g_strlcpy (theme->font, font, sizeof theme->font);
  currents_plot_scene_set_arrow_spacing (scene, arrow_spacing);
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cr = cairo_create (surface);
  currents_plot_layout (cr, theme, width, height, spec->view[0], spec->view[1], spec->view[2],
                        spec->view[3], 0, &vp);
  currents_plot_scene_get_field_grid_size (scene, vp.width, vp.height, &nx, &ny);
  if (layers & live_layers)
    {
      live = currents_portrait_compute_live (spec, layers & live_layers, nx, ny,
                                             CURRENTS_PORTRAIT_PREVIEW, cancellable, error);
      if (live == NULL)
        {
          cairo_destroy (cr);
          cairo_surface_destroy (surface);
          return NULL;
        }
      currents_portrait_scene_set_live (scene, live, x_name, y_name, NULL);
      currents_portrait_live_free (live);
    }
  currents_plot_scene_draw (scene, cr, theme, width, height, NULL);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}

/* Orbits of the whole system from its initial state and three scaled copies of it,
 * projected onto the plane's axes. */
static gboolean
add_projected_orbits (CurrentsPlotScene          *scene,
                      const CurrentsPortraitSpec *spec,
                      GCancellable               *cancellable,
                      GError                    **error)
{
  static const double scales[] = { 1.0, 0.6, 0.8, 1.25 };
  const gsize n_times = 1500;
  g_autoptr(CurrentsSimulator) sim = currents_simulator_new (spec->field, &spec->sim);
  g_autoptr(CurrentsInputSignal) inputs = currents_input_signal_new_constant (spec->m, spec->u);
  g_autofree double *times = g_new (double, n_times);
  g_autofree double *out = g_new (double, (n_times + 1) * spec->n);
  g_autofree double *x0 = g_new (double, spec->n);

  for (gsize k = 0; k < n_times; k++)
    times[k] = spec->t + spec->t_max * (double) (k + 1) / (double) n_times;
  for (guint s = 0; s < G_N_ELEMENTS (scales); s++)
    {
      g_autoptr(GError) local = NULL;
      gsize reached = 0;

      for (gsize i = 0; i < spec->n; i++)
        x0[i] = spec->x[i] * scales[s];
      memcpy (out, x0, spec->n * sizeof (double));
      /* an orbit that leaves the model's bounds is drawn as far as it went */
      if (!currents_simulator_run (sim, x0, spec->p, inputs, spec->t, times, n_times,
                                   out + spec->n, &reached, cancellable, &local)
          && (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED)
              || g_error_matches (local, CURRENTS_ENGINE_ERROR,
                                  CURRENTS_ENGINE_ERROR_CANCELLED)))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      currents_plot_scene_add_curve (scene, s == 0 ? CURRENTS_PLOT_CURVE_INITIAL
                                                   : CURRENTS_PLOT_CURVE_TRAJECTORY,
                                     NULL, out + spec->ax, spec->n, out + spec->ay, spec->n,
                                     reached + 1, 0);
    }
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

/* The phase portrait of a card at the detail page's size, then the card's (worker
 * thread: everything here is the job's own). Returns [small, big]. */
static GPtrArray *
draw_thumbnail (ThumbJob      *job,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autoptr(CurrentsSystem) system = NULL;
  g_autoptr(CurrentsPortraitSpec) spec = NULL;
  g_autoptr(CurrentsPlotScene) scene = NULL;
  g_autoptr(GPtrArray) surfaces = NULL;
  CurrentsPlotLayers layers;
  CurrentsPlotTheme theme;
  CurrentsModel *model;
  const char *const *states;
  cairo_surface_t *big, *small;
  int ax, ay;

  model = currents_model_new_from_string (job->source, job->name, error);
  if (model == NULL)
    return NULL;
  system = currents_system_new_from_model (model);
  apply_assignments (system, (const char *const *) job->set);
  states = currents_system_get_state_names (system);
  ax = job->x_axis != NULL ? currents_system_find_state (system, job->x_axis) : -1;
  ay = job->y_axis != NULL ? currents_system_find_state (system, job->y_axis) : -1;
  if (currents_system_get_n_states (system) < 2 || ax == ay)
    ax = ay = -1;
  spec = currents_portrait_spec_new_for_system (system, ax, ay,
                                                job->has_view ? job->view : NULL);
  if (spec == NULL)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
                   _("%s has no plane to draw"), job->name);
      return NULL;
    }

  /* What the card shows of the layers the example opens with; no data (it would hide
   * the field on a small picture) and no basins (too slow for a picture this size). */
  layers = job->layers & (CURRENTS_PLOT_LAYER_FIELD | CURRENTS_PLOT_LAYER_NULLCLINES
                          | CURRENTS_PLOT_LAYER_EQUILIBRIA | CURRENTS_PLOT_LAYER_TRAJECTORIES
                          | CURRENTS_PLOT_LAYER_SEPARATRICES);
  if (!currents_field_is_autonomous (spec->field))
    layers &= ~CURRENTS_PLOT_LAYER_SEPARATRICES;
  if ((layers & CURRENTS_PLOT_LAYER_FIELD) == 0)
    layers |= CURRENTS_PLOT_LAYER_TRAJECTORIES;

  scene = currents_plot_scene_new ();
  currents_plot_scene_set_window (scene, spec->view[0], spec->view[1], spec->view[2],
                                  spec->view[3]);
  currents_plot_scene_set_labels (scene, states[spec->ax], states[spec->ay]);
  currents_plot_scene_set_layers (scene, layers);
  currents_plot_scene_set_show_legend (scene, FALSE);
  currents_plot_theme_init (&theme, job->dark);
  /* the card's own colour around the plot area */
  theme.background.alpha = 0;

  /* With more than two states the plane is a slice through the others, held fixed; a
   * picture of the whole system is its orbits projected onto the plane instead. */
  if (currents_system_get_n_states (system) > 2)
    {
      layers = CURRENTS_PLOT_LAYER_TRAJECTORIES;
      currents_plot_scene_set_layers (scene, layers);
      if (!add_projected_orbits (scene, spec, cancellable, error))
        return NULL;
    }

  /* the curves first: they are the same at both sizes */
  if (layers & CURRENTS_PLOT_LAYER_SEPARATRICES)
    {
      g_autoptr(GPtrArray) seps = currents_portrait_separatrices (spec, NULL, cancellable,
                                                                  NULL);

      if (seps != NULL)
        currents_portrait_scene_set_separatrices (scene, seps, NULL);
    }
  if ((layers & CURRENTS_PLOT_LAYER_TRAJECTORIES) && currents_system_get_n_states (system) <= 2)
    {
      g_autoptr(GPtrArray) samples = currents_portrait_sample_trajectories (spec, 3,
                                                                            cancellable,
                                                                            NULL);

      if (samples != NULL)
        currents_portrait_scene_set_samples (scene, samples, NULL);
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  surfaces = g_ptr_array_new_with_free_func ((GDestroyNotify) cairo_surface_destroy);
  big = draw_size (scene, spec, &theme, layers, states[spec->ax], states[spec->ay], "Sans 9",
                   26, DETAIL_WIDTH, DETAIL_HEIGHT, cancellable, error);
  if (big == NULL)
    return NULL;
  small = draw_size (scene, spec, &theme, layers, states[spec->ax], states[spec->ay],
                     "Sans 7", 20, CARD_WIDTH, CARD_HEIGHT, cancellable, error);
  if (small == NULL)
    {
      cairo_surface_destroy (big);
      return NULL;
    }
  g_ptr_array_add (surfaces, small);
  g_ptr_array_add (surfaces, big);
  return g_steal_pointer (&surfaces);
}

static void
thumb_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  GError *error = NULL;
  GPtrArray *surfaces = draw_thumbnail (task_data, cancellable, &error);

  if (surfaces == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, surfaces, (GDestroyNotify) g_ptr_array_unref);
}

static GdkTexture *
texture_from_surface (cairo_surface_t *surface)
{
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  int stride = cairo_image_surface_get_stride (surface);
  g_autoptr(GBytes) bytes = g_bytes_new (cairo_image_surface_get_data (surface),
                                         (gsize) stride * height);

  /* cairo's ARGB32 is GDK's default memory format */
  return gdk_memory_texture_new (width, height, GDK_MEMORY_DEFAULT, bytes, stride);
}

static void
card_show_thumbnail (CurrentsGallery *self,
                     Card            *card)
{
  gpointer thumb = g_hash_table_lookup (self->thumbnails, card->thumb_key);
  const char *name = card->error != NULL ? "error"
                     : thumb != NULL && GDK_IS_TEXTURE (thumb) ? "picture" : "loading";

  if (card->thumb_stack == NULL)
    return;
  if (g_str_equal (name, "picture"))
    gtk_picture_set_paintable (card->picture, g_object_get_data (thumb, "card-texture"));
  gtk_stack_set_visible_child_name (card->thumb_stack, name);
  if (g_strcmp0 (self->detail_id, card->id) == 0)
    {
      gtk_picture_set_paintable (self->detail_picture,
                                 g_str_equal (name, "picture") ? GDK_PAINTABLE (thumb) : NULL);
      gtk_stack_set_visible_child_name (self->detail_thumb_stack, name);
    }
}

static void
thumb_done (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  CurrentsGallery *self = CURRENTS_GALLERY (object);
  ThumbJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) surfaces = g_task_propagate_pointer (G_TASK (result), &error);
  /* a drawing stopped by unmap may still finish: then it is not the one in flight */
  gboolean current = self->thumb_cancellable != NULL
                     && g_task_get_cancellable (G_TASK (result)) == self->thumb_cancellable;

  if (surfaces == NULL
      && (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
          || g_error_matches (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED)))
    return;   /* unmapped or disposed: drawn again when shown */

  if (current)
    {
      g_clear_object (&self->thumb_cancellable);
      g_clear_pointer (&self->thumb_running, g_free);
    }
  /* a card that cannot be drawn keeps its placeholder: the model itself opens */
  if (surfaces != NULL)
    {
      /* the detail page's picture, carrying the card's */
      GdkTexture *big = texture_from_surface (g_ptr_array_index (surfaces, 1));

      g_object_set_data_full (G_OBJECT (big), "card-texture",
                              texture_from_surface (g_ptr_array_index (surfaces, 0)),
                              g_object_unref);
      g_hash_table_insert (self->thumbnails, g_strdup (job->key), big);
    }
  else if (!g_hash_table_contains (self->thumbnails, job->key))
    g_hash_table_insert (self->thumbnails, g_strdup (job->key),
                         g_object_new (G_TYPE_OBJECT, NULL));

  for (guint i = 0; i < self->cards->len; i++)
    {
      Card *card = g_ptr_array_index (self->cards, i);

      if (g_str_equal (card->thumb_key, job->key))
        card_show_thumbnail (self, card);
    }
  if (current)
    thumb_pump (self);
}

static void
thumb_pump (CurrentsGallery *self)
{
  GTask *task;
  ThumbJob *job;
  Card *card = NULL;
  char *key;

  if (self->thumb_running != NULL || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  while ((key = g_queue_pop_head (&self->thumb_queue)) != NULL)
    {
      card = NULL;
      for (guint i = 0; i < self->cards->len && card == NULL; i++)
        {
          Card *c = g_ptr_array_index (self->cards, i);

          if (g_str_equal (c->thumb_key, key) && c->error == NULL
              && !g_hash_table_contains (self->thumbnails, key))
            card = c;
        }
      g_free (key);
      if (card != NULL)
        break;
    }
  if (card == NULL)
    return;

  job = g_new0 (ThumbJob, 1);
  job->key = g_strdup (card->thumb_key);
  job->source = g_strdup (card->model_source);
  job->name = g_strdup (card->model_name);
  job->x_axis = g_strdup (card->x_axis);
  job->y_axis = g_strdup (card->y_axis);
  job->set = g_strdupv (card->set);
  job->has_view = card->ex.has_view;
  memcpy (job->view, card->ex.view, sizeof job->view);
  job->layers = CURRENTS_PLOT_LAYER_FIELD | CURRENTS_PLOT_LAYER_NULLCLINES
                | CURRENTS_PLOT_LAYER_EQUILIBRIA | CURRENTS_PLOT_LAYER_TRAJECTORIES;
  if (card->layers != NULL)
    currents_plot_layers_parse (card->layers, &job->layers, NULL);
  job->dark = adw_style_manager_get_dark (adw_style_manager_get_default ());

  self->thumb_running = g_strdup (job->key);
  self->thumb_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->thumb_cancellable, thumb_done, NULL);
  g_task_set_source_tag (task, thumb_pump);
  g_task_set_task_data (task, job, thumb_job_free);
  g_task_run_in_thread (task, thumb_thread);
  g_object_unref (task);
}

static void
thumb_stop (CurrentsGallery *self)
{
  if (self->thumb_running != NULL)
    {
      /* drawn again when shown */
      g_queue_push_head (&self->thumb_queue, g_steal_pointer (&self->thumb_running));
      g_cancellable_cancel (self->thumb_cancellable);
      g_clear_object (&self->thumb_cancellable);
    }
}

static void
dark_changed_cb (CurrentsGallery *self)
{
  /* the thumbnails follow the style */
  thumb_stop (self);
  g_hash_table_remove_all (self->thumbnails);
  currents_gallery_refresh (self);
}

/* ---- the cards' widgets ---- */

static GtkWidget *
card_widget (CurrentsGallery *self,
             Card            *card)
{
  GtkWidget *child, *box, *text, *title, *summary, *image, *loading;

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_add_css_class (box, "card");
  gtk_widget_set_overflow (box, GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_size_request (box, CARD_WIDTH, -1);
  /* the card at its picture's size, so the picture is shown pixel for pixel */
  gtk_widget_set_halign (box, GTK_ALIGN_CENTER);

  card->thumb_stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_size_request (GTK_WIDGET (card->thumb_stack), CARD_WIDTH, CARD_HEIGHT);
  loading = gtk_image_new_from_icon_name ("currents-phase-portrait-symbolic");
  gtk_image_set_pixel_size (GTK_IMAGE (loading), 48);
  gtk_widget_add_css_class (loading, "dim-label");
  gtk_stack_add_named (card->thumb_stack, loading, "loading");
  card->picture = GTK_PICTURE (gtk_picture_new ());
  gtk_picture_set_can_shrink (card->picture, TRUE);
  gtk_picture_set_content_fit (card->picture, GTK_CONTENT_FIT_CONTAIN);
  gtk_stack_add_named (card->thumb_stack, GTK_WIDGET (card->picture), "picture");
  image = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
  gtk_image_set_pixel_size (GTK_IMAGE (image), 48);
  gtk_widget_add_css_class (image, "error");
  gtk_stack_add_named (card->thumb_stack, image, "error");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (card->thumb_stack));

  text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_margin_top (text, 12);
  gtk_widget_set_margin_bottom (text, 14);
  gtk_widget_set_margin_start (text, 14);
  gtk_widget_set_margin_end (text, 14);
  gtk_widget_set_vexpand (text, TRUE);
  title = gtk_label_new (card->title);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (title, "heading");
  gtk_box_append (GTK_BOX (text), title);

  summary = gtk_label_new (card->error != NULL ? card->error
                           : card->summary != NULL ? card->summary
                           : card->user ? _("From your gallery folder") : "");
  gtk_label_set_xalign (GTK_LABEL (summary), 0);
  gtk_label_set_yalign (GTK_LABEL (summary), 0);
  gtk_label_set_wrap (GTK_LABEL (summary), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (summary), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_lines (GTK_LABEL (summary), 3);
  gtk_label_set_ellipsize (GTK_LABEL (summary), PANGO_ELLIPSIZE_END);
  gtk_label_set_width_chars (GTK_LABEL (summary), 28);
  gtk_label_set_max_width_chars (GTK_LABEL (summary), 28);
  gtk_widget_add_css_class (summary, card->error != NULL ? "error" : "dim-label");
  gtk_box_append (GTK_BOX (text), summary);
  if (card->user)
    {
      GtkWidget *tag = gtk_label_new (card->model_name);

      gtk_label_set_xalign (GTK_LABEL (tag), 0);
      gtk_label_set_ellipsize (GTK_LABEL (tag), PANGO_ELLIPSIZE_MIDDLE);
      gtk_widget_add_css_class (tag, "caption");
      gtk_widget_add_css_class (tag, "dim-label");
      gtk_box_append (GTK_BOX (text), tag);
    }
  gtk_box_append (GTK_BOX (box), text);

  child = gtk_flow_box_child_new ();
  gtk_flow_box_child_set_child (GTK_FLOW_BOX_CHILD (child), box);
  gtk_widget_set_tooltip_text (child, card->error != NULL ? card->error : card->summary);
  g_object_set_data_full (G_OBJECT (child), "card-id", g_strdup (card->id), g_free);
  gtk_accessible_update_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  card->title, -1);
  card->child = child;
  card_show_thumbnail (self, card);
  return child;
}

static void
child_activated_cb (CurrentsGallery *self,
                    GtkFlowBoxChild *child)
{
  currents_gallery_activate_card (self, g_object_get_data (G_OBJECT (child), "card-id"));
}

/* ---- the detail page ---- */

static void
show_detail (CurrentsGallery *self,
             Card            *card)
{
  g_autoptr(GString) data = g_string_new (NULL);

  for (GtkWidget *w; (w = gtk_widget_get_first_child (GTK_WIDGET (self->try_box))) != NULL;)
    gtk_box_remove (self->try_box, w);

  g_free (self->detail_id);
  self->detail_id = g_strdup (card->id);
  gtk_label_set_label (self->detail_title, card->title);
  gtk_label_set_label (self->detail_summary, card->summary != NULL ? card->summary : "");
  gtk_widget_set_visible (GTK_WIDGET (self->detail_summary), card->summary != NULL);
  gtk_label_set_label (self->detail_error, card->error != NULL ? card->error : "");
  gtk_widget_set_visible (GTK_WIDGET (self->detail_error), card->error != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->detail_open_button), card->error == NULL);
  gtk_label_set_label (self->detail_description,
                       card->description != NULL ? card->description : "");
  gtk_widget_set_visible (GTK_WIDGET (self->detail_description), card->description != NULL);

  for (guint i = 0; card->try_items != NULL && card->try_items[i] != NULL; i++)
    {
      GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
      GtkWidget *icon = gtk_image_new_from_icon_name ("go-next-symbolic");
      GtkWidget *label = gtk_label_new (card->try_items[i]);

      gtk_widget_set_valign (icon, GTK_ALIGN_START);
      gtk_widget_add_css_class (icon, "accent");
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_set_hexpand (label, TRUE);
      gtk_box_append (GTK_BOX (row), icon);
      gtk_box_append (GTK_BOX (row), label);
      gtk_box_append (self->try_box, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->try_heading),
                          card->try_items != NULL && card->try_items[0] != NULL);

  gtk_label_set_label (self->detail_equations, card->equations);
  g_string_append_printf (data, _("Model: %s"), card->model_name != NULL ? card->model_name
                                                                          : card->id);
  if (card->data_name != NULL)
    {
      g_string_append (data, " · ");
      g_string_append_printf (data, _("Data: %s"), card->data_name);
    }
  gtk_label_set_label (self->detail_data, data->str);
  card_show_thumbnail (self, card);
  gtk_stack_set_visible_child_name (self->pages, "detail");
  /* its picture next */
  if (card->error == NULL && !g_hash_table_contains (self->thumbnails, card->thumb_key)
      && g_strcmp0 (card->thumb_key, self->thumb_running) != 0)
    {
      g_queue_push_head (&self->thumb_queue, g_strdup (card->thumb_key));
      thumb_pump (self);
    }
}

static void
back_clicked_cb (CurrentsGallery *self)
{
  currents_gallery_show_cards (self);
}

static gboolean
back_binding (GtkWidget *widget,
              GVariant  *args,
              gpointer   user_data)
{
  CurrentsGallery *self = CURRENTS_GALLERY (widget);

  if (currents_gallery_get_detail_card (self) == NULL)
    return FALSE;
  currents_gallery_show_cards (self);
  return TRUE;
}

static void
detail_open_clicked_cb (CurrentsGallery *self)
{
  if (self->detail_id != NULL)
    currents_gallery_open_card (self, self->detail_id);
}

static void
folder_clicked_cb (CurrentsGallery *self)
{
  g_autofree char *path = currents_gallery_get_user_folder ();
  g_autoptr(GFile) folder = g_file_new_for_path (path);
  g_autofree char *uri = g_file_get_uri (folder);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (g_mkdir_with_parents (path, 0755) != 0)
    {
      g_autofree char *message = g_strdup_printf (_("The folder %s could not be made: %s"),
                                                  path, g_strerror (errno));
      GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self),
                                                    ADW_TYPE_TOAST_OVERLAY);

      if (overlay != NULL)
        adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (message));
      return;
    }
  currents_gallery_refresh (self);
  gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME);
}

/* ---- the folder's changes ---- */

static gboolean
refresh_cb (gpointer user_data)
{
  CurrentsGallery *self = user_data;

  self->refresh_source = 0;
  currents_gallery_refresh (self);
  return G_SOURCE_REMOVE;
}

static void
folder_changed_cb (GFileMonitor      *monitor,
                   GFile             *file,
                   GFile             *other,
                   GFileMonitorEvent  event,
                   CurrentsGallery   *self)
{
  /* an editor saving writes several events: one refresh for them */
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  self->refresh_source = g_timeout_add (300, refresh_cb, self);
}

static void
watch_folder (CurrentsGallery *self)
{
  g_autofree char *path = currents_gallery_get_user_folder ();
  g_autoptr(GFile) folder = NULL;

  if (self->monitor != NULL || !g_file_test (path, G_FILE_TEST_IS_DIR))
    return;
  folder = g_file_new_for_path (path);
  self->monitor = g_file_monitor_directory (folder, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);
  if (self->monitor != NULL)
    g_signal_connect (self->monitor, "changed", G_CALLBACK (folder_changed_cb), self);
}

/* ---- public ---- */

char *
currents_gallery_get_user_folder (void)
{
  return g_build_filename (g_get_user_data_dir (), "currents", "gallery", NULL);
}

void
currents_gallery_refresh (CurrentsGallery *self)
{
  g_auto(GStrv) bundled = NULL;
  g_autofree char *path = currents_gallery_get_user_folder ();
  g_autoptr(GFile) folder = g_file_new_for_path (path);
  g_autoptr(GFileEnumerator) children = NULL;
  g_autofree char *detail = g_strdup (self->detail_id);

  g_return_if_fail (CURRENTS_IS_GALLERY (self));

  g_clear_handle_id (&self->refresh_source, g_source_remove);
  for (GtkWidget *w; (w = gtk_widget_get_first_child (GTK_WIDGET (self->flowbox))) != NULL;)
    gtk_flow_box_remove (self->flowbox, w);
  g_ptr_array_set_size (self->cards, 0);
  g_queue_clear_full (&self->thumb_queue, g_free);

  bundled = g_resources_enumerate_children (EXAMPLES_PATH, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  for (guint i = 0; bundled != NULL && bundled[i] != NULL; i++)
    if (g_str_has_suffix (bundled[i], ".gallery"))
      g_ptr_array_add (self->cards, bundled_card (bundled[i]));

  watch_folder (self);
  children = g_file_enumerate_children (folder, G_FILE_ATTRIBUTE_STANDARD_NAME ","
                                        G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                        G_FILE_QUERY_INFO_NONE, NULL, NULL);
  while (children != NULL)
    {
      GFileInfo *info = g_file_enumerator_next_file (children, NULL, NULL);
      const char *name;

      if (info == NULL)
        break;
      name = g_file_info_get_name (info);
      if (g_file_info_get_file_type (info) == G_FILE_TYPE_REGULAR && is_ode_name (name)
          && *name != '.')
        g_ptr_array_add (self->cards, user_card (folder, name));
      g_object_unref (info);
    }

  g_ptr_array_sort (self->cards, compare_cards);
  for (guint i = 0; i < self->cards->len; i++)
    {
      Card *card = g_ptr_array_index (self->cards, i);

      gtk_flow_box_append (self->flowbox, card_widget (self, card));
      if (card->error == NULL && !g_hash_table_contains (self->thumbnails, card->thumb_key)
          && g_strcmp0 (card->thumb_key, self->thumb_running) != 0)
        g_queue_push_tail (&self->thumb_queue, g_strdup (card->thumb_key));
    }

  /* the detail page stays on its card while it exists */
  g_clear_pointer (&self->detail_id, g_free);
  if (detail != NULL && find_card (self, detail) != NULL)
    show_detail (self, find_card (self, detail));
  else
    gtk_stack_set_visible_child_name (self->pages, "cards");
  thumb_pump (self);
}

guint
currents_gallery_get_n_cards (CurrentsGallery *self)
{
  g_return_val_if_fail (CURRENTS_IS_GALLERY (self), 0);
  return self->cards->len;
}

const char *
currents_gallery_get_card_id (CurrentsGallery *self,
                              guint            index)
{
  g_return_val_if_fail (CURRENTS_IS_GALLERY (self), NULL);

  if (index >= self->cards->len)
    return NULL;
  return ((Card *) g_ptr_array_index (self->cards, index))->id;
}

const char *
currents_gallery_get_card_title (CurrentsGallery *self,
                                 const char      *id)
{
  Card *card;

  g_return_val_if_fail (CURRENTS_IS_GALLERY (self), NULL);
  card = find_card (self, id);
  return card != NULL ? card->title : NULL;
}

const char *
currents_gallery_get_card_error (CurrentsGallery *self,
                                 const char      *id)
{
  Card *card;

  g_return_val_if_fail (CURRENTS_IS_GALLERY (self), NULL);
  card = find_card (self, id);
  return card != NULL ? card->error : NULL;
}

const CurrentsGalleryExample *
currents_gallery_get_example (CurrentsGallery *self,
                              const char      *id)
{
  Card *card;

  g_return_val_if_fail (CURRENTS_IS_GALLERY (self), NULL);
  card = find_card (self, id);
  return card != NULL && card->error == NULL ? &card->ex : NULL;
}

gboolean
currents_gallery_has_thumbnail (CurrentsGallery *self,
                                const char      *id)
{
  Card *card;

  g_return_val_if_fail (CURRENTS_IS_GALLERY (self), FALSE);
  card = find_card (self, id);
  return card != NULL
         && GDK_IS_TEXTURE (g_hash_table_lookup (self->thumbnails, card->thumb_key));
}

gboolean
currents_gallery_activate_card (CurrentsGallery *self,
                                const char      *id)
{
  Card *card;

  g_return_val_if_fail (CURRENTS_IS_GALLERY (self), FALSE);
  card = find_card (self, id);
  if (card == NULL)
    return FALSE;
  show_detail (self, card);
  return TRUE;
}

const char *
currents_gallery_get_detail_card (CurrentsGallery *self)
{
  g_return_val_if_fail (CURRENTS_IS_GALLERY (self), NULL);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->pages), "detail") != 0)
    return NULL;
  return self->detail_id;
}

void
currents_gallery_show_cards (CurrentsGallery *self)
{
  g_return_if_fail (CURRENTS_IS_GALLERY (self));
  gtk_stack_set_visible_child_name (self->pages, "cards");
}

gboolean
currents_gallery_open_card (CurrentsGallery *self,
                            const char      *id)
{
  Card *card;

  g_return_val_if_fail (CURRENTS_IS_GALLERY (self), FALSE);
  card = find_card (self, id);
  if (card == NULL || card->error != NULL)
    return FALSE;
  g_signal_emit (self, signals[OPEN_EXAMPLE], 0, &card->ex);
  /* next time the gallery shows the cards */
  currents_gallery_show_cards (self);
  return TRUE;
}

/* ---- GObject ---- */

static void
currents_gallery_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (currents_gallery_parent_class)->map (widget);
  thumb_pump (CURRENTS_GALLERY (widget));
}

static void
currents_gallery_unmap (GtkWidget *widget)
{
  thumb_stop (CURRENTS_GALLERY (widget));
  GTK_WIDGET_CLASS (currents_gallery_parent_class)->unmap (widget);
}

static void
currents_gallery_dispose (GObject *object)
{
  CurrentsGallery *self = CURRENTS_GALLERY (object);

  if (self->thumb_cancellable != NULL)
    g_cancellable_cancel (self->thumb_cancellable);
  g_clear_object (&self->thumb_cancellable);
  g_clear_pointer (&self->thumb_running, g_free);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  if (self->monitor != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->monitor, self);
      g_file_monitor_cancel (self->monitor);
      g_clear_object (&self->monitor);
    }
  g_signal_handlers_disconnect_by_data (adw_style_manager_get_default (), self);

  gtk_widget_dispose_template (GTK_WIDGET (object), CURRENTS_TYPE_GALLERY);
  /* children the template made but did not bind */
  _currents_view_unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (currents_gallery_parent_class)->dispose (object);
}

static void
currents_gallery_finalize (GObject *object)
{
  CurrentsGallery *self = CURRENTS_GALLERY (object);

  g_ptr_array_unref (self->cards);
  g_hash_table_unref (self->thumbnails);
  g_queue_clear_full (&self->thumb_queue, g_free);
  g_free (self->detail_id);

  G_OBJECT_CLASS (currents_gallery_parent_class)->finalize (object);
}

static void
currents_gallery_class_init (CurrentsGalleryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_gallery_dispose;
  object_class->finalize = currents_gallery_finalize;
  widget_class->map = currents_gallery_map;
  widget_class->unmap = currents_gallery_unmap;

  /**
   * CurrentsGallery::open-example:
   * @example: (type gpointer): the CurrentsGalleryExample to show, valid during the
   *   emission
   */
  signals[OPEN_EXAMPLE] =
    g_signal_new ("open-example", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);

  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/currents/Currents/ui/currents-gallery.ui");
  gtk_widget_class_bind_template_child (widget_class, CurrentsGallery, pages);
  gtk_widget_class_bind_template_child (widget_class, CurrentsGallery, flowbox);
  gtk_widget_class_bind_template_child (widget_class, CurrentsGallery, detail_title);
  gtk_widget_class_bind_template_child (widget_class, CurrentsGallery, detail_summary);
  gtk_widget_class_bind_template_child (widget_class, CurrentsGallery, detail_error);
  gtk_widget_class_bind_template_child (widget_class, CurrentsGallery, detail_description);
  gtk_widget_class_bind_template_child (widget_class, CurrentsGallery, try_heading);
  gtk_widget_class_bind_template_child (widget_class, CurrentsGallery, try_box);
  gtk_widget_class_bind_template_child (widget_class, CurrentsGallery, detail_equations);
  gtk_widget_class_bind_template_child (widget_class, CurrentsGallery, detail_data);
  gtk_widget_class_bind_template_child (widget_class, CurrentsGallery, detail_thumb_stack);
  gtk_widget_class_bind_template_child (widget_class, CurrentsGallery, detail_picture);
  gtk_widget_class_bind_template_child (widget_class, CurrentsGallery, detail_open_button);
  gtk_widget_class_bind_template_callback (widget_class, child_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, detail_open_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, folder_clicked_cb);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Escape, 0, back_binding, NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Left, GDK_ALT_MASK, back_binding, NULL);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "gallery");
}

static void
currents_gallery_init (CurrentsGallery *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cards = g_ptr_array_new_with_free_func (card_free);
  self->thumbnails = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  g_queue_init (&self->thumb_queue);
  g_signal_connect_swapped (adw_style_manager_get_default (), "notify::dark",
                            G_CALLBACK (dark_changed_cb), self);
  currents_gallery_refresh (self);
}

GtkWidget *
currents_gallery_new (void)
{
  return g_object_new (CURRENTS_TYPE_GALLERY, NULL);
}
