# The story of chapter 6's notebook. `python -m kerasbook.notebooks` builds notebooks/ch06_lstm.ipynb
# from it, around the cells every notebook shares: the install cell, the settings (which define `nb`,
# `cfg` and `TOY`), the headline and the XLA timing (kerasbook/notebooks/build.py).

# %% [markdown]
# ## The adding problem
#
# A long dependency on purpose: each sequence holds random values and marks
# two of them, one early and one late; the answer is their sum. Always
# answering the mean sum, 1, scores an MSE of 1/6: the trivial baseline.

# %%
import matplotlib.pyplot as plt
import numpy as np

from kerasbook.chapters import ch06_lstm as ch

x, y = ch.adding_problem(3, cfg.length, nb.seed)
print(f"sequences {x.shape} (value, mark), targets {y.shape}; baseline MSE {1 / 6:.4f}")
marked = np.flatnonzero(x[0, :, 1])
print(f"first sequence: marks at steps {marked.tolist()}, values {[round(float(v), 3) for v in x[0, marked, 0]]}, "
      f"target {y[0, 0]:.3f}")
fig, ax = plt.subplots(figsize=(9, 2.4))
ax.plot(x[0, :, 0], lw=1, label="value")
ax.scatter(marked, x[0, marked, 0], color="crimson", zorder=3, label="marked")
ax.set_xlabel("step")
ax.legend(fontsize=8)
nb.show(fig)

# %% [markdown]
# ## The models
#
# The same head on two recurrent layers of the same size: chapter 5's simple
# RNN, and an LSTM built from its gates (forget, input, candidate, output)
# with a cell state that carries memory along.

# %%
ch.build_sequence_model("rnn", cfg).summary()
ch.build_sequence_model("lstm", cfg).summary()

# %% [markdown]
# ## Training
#
# The chapter's own run: both networks on the adding problem with the same
# data and budget, then both against persistence on chapter 5's temperatures.

# %%
metrics = nb.train()

# %% [markdown]
# ## Evaluation
#
# The saved LSTM, reloaded and scored on fresh sequences, and its gates traced
# step by step over one of them.

# %%
lstm = nb.load_model()
x_new, y_new = ch.adding_problem(1_000, cfg.length, [nb.seed, 99])
mse = float(np.mean((lstm.predict(x_new, verbose=0) - y_new) ** 2))
final = metrics["final"]
print(f"LSTM on 1,000 new sequences: MSE {mse:.4f} = {mse * 6:.1%} of the baseline "
      f"(the run: LSTM {final['lstm_of_baseline']:.1%}, simple RNN {final['rnn_of_baseline']:.1%})")
trace = ch.gate_trace(lstm.get_layer("lstm").cell, x_new[0])
print("mean gate activations on one sequence:",
      {gate: round(float(trace[gate].mean()), 3) for gate in ("forget", "input", "output")})
for name in ("lstm", "rnn", "persistence"):
    print(f"forecasting, {name}: test MAE {final[f'forecast_{name}_test_mae']:.4f} °C")

# %% [markdown]
# ## Figures
#
# Validation loss of both networks against the baseline, the LSTM's gates on
# one test sequence, and its training curves.

# %%
nb.figures("adding", "gates", "curves")

# %% [markdown]
# Forecasting the temperatures: the last four test days and the scores.

# %%
nb.figures("forecast", "forecast_scores")
