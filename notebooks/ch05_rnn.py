# The story of chapter 5's notebook. `python -m kerasbook.notebooks` builds notebooks/ch05_rnn.ipynb
# from it, around the cells every notebook shares: the install cell, the settings (which define `nb`,
# `cfg` and `TOY`), the headline and the XLA timing (kerasbook/notebooks/build.py).

# %% [markdown]
# ## The recurrence and its shapes
#
# A simple RNN reads a sequence one step at a time, `h_t = tanh(W x_t + U h_{t-1} + b)`,
# with the same `W`, `U` and `b` at every step. Our own cell (`ElmanRNN`) in
# the course's three patterns, and its parameter count for three lengths:
# weight sharing makes it independent of the length.

# %%
import matplotlib.pyplot as plt
import numpy as np

from kerasbook import forecast
from kerasbook.chapters import ch05_rnn as ch
from kerasbook.data import series as sr
from kerasbook.layers.recurrent import ElmanRNN

for name, shape in ch.rnn_shapes(steps=cfg.window).items():
    print(f"{name:>16}: {shape}")

# %% [markdown]
# ## The data
#
# Real hourly air temperatures of a typical year at Greensboro, North Carolina
# (the TMY3 file pvlib ships): a daily cycle with weather on top.

# %%
values = sr.greensboro_temperature()
print(f"{len(values)} hourly values, {values.index[0]} .. {values.index[-1]}")
fig, ax = plt.subplots(figsize=(9, 2.6))
values.iloc[:24 * 14].plot(ax=ax)
ax.set_ylabel("°C")
ax.set_title("the first two weeks")
nb.show(fig)

# %% [markdown]
# ## Windows, and a baseline to beat
#
# The course's set-up: the last `window` values predict the next one. The
# series is split in time order, so no model trains on the future. The honest
# first baseline is persistence, "the next hour = this hour".

# %%
split = forecast.Split.chronological(len(values), cfg.window, cfg.val_fraction, cfg.test_fraction)
x_test, y_test = forecast.window_arrays(values.to_numpy(), cfg.window, *split.span("test"))
print(f"windows of {cfg.window}: {split.count('train')} train / {split.count('validation')} validation / "
      f"{split.count('test')} test; one test window {x_test.shape[1:]} -> one value")
print(f"persistence on the test windows: MAE {np.mean(np.abs(forecast.persistence(x_test) - y_test)):.3f} °C")

# %% [markdown]
# ## The model
#
# Many-to-one: the RNN reads the window, a small head predicts the change from
# the last value, which is added back (so an untrained net starts from
# persistence).

# %%
forecast.build_forecaster(cfg.window, ElmanRNN(cfg.units, name="rnn"), cfg.head_units).summary()

# %% [markdown]
# ## Training
#
# The chapter's own run: the forecaster against persistence, the seasonal naive
# forecast and a linear autoregression on the same windows; the same on a
# random walk; and the gradient that backpropagation through time carries back.

# %%
metrics = nb.train()

# %% [markdown]
# ## Evaluation
#
# The saved forecaster, reloaded and run on the test windows in the scaled
# units it trained in, then scored in °C next to every baseline.

# %%
model = nb.load_model()
scale = metrics["scaler"]
z = (values.to_numpy() - scale["mean"]) / scale["std"]
x_scaled, _ = forecast.window_arrays(z, cfg.window, *split.span("test"))
predicted = model.predict(x_scaled[..., None], verbose=0)[:, 0] * scale["std"] + scale["mean"]
print(f"reloaded RNN: test MAE {np.mean(np.abs(predicted - y_test)):.4f} °C")
for name, score in metrics["results"].items():
    print(f"  {name:<22} MAE {score['mae']:.4f}  RMSE {score['rmse']:.4f}")

# %% [markdown]
# ## Figures
#
# The last four test days, every model's scores, and the training curves.

# %%
nb.figures("forecast", "scores", "curves")

# %% [markdown]
# A random walk, where nothing beats persistence, and the gradient reaching
# `h_t` further and further back from the end of a long window.

# %%
nb.figures("random_walk", "gradient_norms")
