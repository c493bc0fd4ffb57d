"""PyTorch baseline for `convexformer bench step`: the same transformer (eq. 1 blocks with a
residual around the FCN, classification head on the last token), float32, AdamW, on CPU.
    /usr/bin/python3 bench/torch_step.py L D H T B V C STEPS
prints one JSON line with the median ms per step (forward + backward + AdamW)."""
import json
import os
import statistics
import sys
import time

import torch
import torch.nn as nn

L, D, H, T, B, V, C, STEPS = map(int, sys.argv[1:9])
torch.set_num_threads(os.cpu_count())
torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(D, 3 * D)
        self.o = nn.Linear(D, D)
        self.ln = nn.LayerNorm(D)
        self.fc1 = nn.Linear(D, 4 * D)
        self.fc2 = nn.Linear(4 * D, D)

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = self.qkv(x).split(D, dim=2)
        q, k, v = (z.view(b, t, H, D // H).transpose(1, 2) for z in (q, k, v))
        att = torch.softmax(q @ k.transpose(-2, -1) / (D // H) ** 0.5, dim=-1)
        a = (att @ v).transpose(1, 2).reshape(b, t, D)
        xa = self.ln(self.o(a)) + x
        return xa + self.fc2(torch.relu(self.fc1(xa)))


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(V, D)
        self.wpe = nn.Parameter(torch.zeros(T, D))
        self.blocks = nn.ModuleList([Block() for _ in range(L)])
        self.head = nn.Linear(D, C)

    def forward(self, ids):
        x = self.wte(ids) + self.wpe
        for blk in self.blocks:
            x = blk(x)
        return self.head(x[:, -1, :])


model = Model()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
ids = torch.randint(0, V, (B, T))
labels = torch.randint(0, C, (B,))
times = []
for s in range(STEPS + 2):
    t0 = time.perf_counter()
    loss = nn.functional.cross_entropy(model(ids), labels, reduction="sum")
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    if s >= 2:
        times.append((time.perf_counter() - t0) * 1e3)
print(json.dumps({"medianMs": statistics.median(times), "threads": torch.get_num_threads(), "torch": torch.__version__}))
