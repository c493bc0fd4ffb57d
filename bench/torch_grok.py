"""PyTorch twins of the grokking experiment's two models (issue 9, item 6), for bench/grok-speed.ts.
    /usr/bin/python3 bench/torch_grok.py MODEL L P B DTYPE STEPS [readout]
MODEL standard: the pre-LN transformer of the Power setting as src/nn/models/transformer.ts builds
  it with norm 'pre' (d 128, 4 heads, FCN 4d, final LayerNorm, the answer from the last token),
  AdamW lr 1e-3, weight decay 1, betas 0.9/0.98.
MODEL convex: the deep convex model as DeepConvex builds it with CONVEX_SETTING (learned token and
  position embeddings of width 32, L gated-ReLU convex blocks of 8 gates with fixed random u1/u2
  read from each layer's input, the group penalty over token rows), AdamW lr 1e-3, weight decay
  1e-6, betas 0.9/0.999.
The task is division mod P: sequences [x, op, y, =] (n = 4), vocabulary P + 2, P classes. Times
forward + backward + AdamW on one batch of B sequences (the training pairs, drawn as the task
draws them), median over STEPS steps after 3 warm-up steps; DTYPE float32 or float64. Prints one
JSON line: medianMs, params, threads, torch version.
With `readout` the standard model's last block is computed at the answer token only (its query,
attention row, W_o, LN2 and FCN on B rows; keys and values from every token), the saving that
transformer.ts makes; without it, every token goes through every block, as a PyTorch user writes
the model (Power et al.'s code among them)."""
import json
import math
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

MODEL, L, P, B, DTYPE, STEPS = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], int(sys.argv[6])
READOUT = len(sys.argv) > 7 and sys.argv[7] == "readout"
torch.set_num_threads(2)
torch.manual_seed(0)
dtype = {"float32": torch.float32, "float64": torch.float64}[DTYPE]
N_TOKENS, VOCAB, CLASSES = 4, P + 2, P


class PreLNBlock(nn.Module):
    """xa = x + Attn(LN1(x)); x' = xa + FCN(LN2(xa)), as transformer.ts's layerForward with norm 'pre'."""

    def __init__(self, d, heads):
        super().__init__()
        self.d, self.heads = d, heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)  # before attention, before the FCN
        self.qkv, self.o = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.fc1, self.fc2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x, readout=False):
        """readout: the last token's output (b, d) only, from its query alone."""
        b, t, d = x.shape
        hd = d // self.heads
        u = self.ln1(x)
        if readout:
            k, v = F.linear(u, self.qkv.weight[d:], self.qkv.bias[d:]).split(d, dim=2)
            q = F.linear(u[:, -1:], self.qkv.weight[:d], self.qkv.bias[:d])
            x, t_q = x[:, -1:], 1
        else:
            q, k, v = self.qkv(u).split(d, dim=2)
            t_q = t
        q = q.view(b, t_q, self.heads, hd).transpose(1, 2)
        k, v = (z.view(b, t, self.heads, hd).transpose(1, 2) for z in (k, v))
        # no causal mask: transformer.ts's attention reads every token
        att = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(hd), dim=-1)
        xa = x + self.o((att @ v).transpose(1, 2).reshape(b, t_q, d))
        out = xa + self.fc2(torch.relu(self.fc1(self.ln2(xa))))
        return out[:, 0] if readout else out


class Standard(nn.Module):
    def __init__(self, layers, d=128, heads=4):
        super().__init__()
        self.wte = nn.Embedding(VOCAB, d)
        self.wpe = nn.Parameter(torch.zeros(N_TOKENS, d))
        self.blocks = nn.ModuleList([PreLNBlock(d, heads) for _ in range(layers)])
        self.lnf = nn.LayerNorm(d)
        self.head = nn.Linear(d, CLASSES)

    def forward(self, ids):
        x = self.wte(ids) + self.wpe
        for blk in self.blocks[:-1]:
            x = blk(x)
        z = self.blocks[-1](x, readout=True) if READOUT else self.blocks[-1](x)[:, -1, :]
        return self.head(self.lnf(z))

    def penalty(self):
        return 0.0


class DeepConvex(nn.Module):
    """Layer k on X_i (n, d_k) flattened to p = n d_k: y[i] = sum_j 1{u1_j^T X_i u2_j >= 0} Z_j x_i,
    Z (h, o, p), o = n d' (hidden) or the classes (last); the gates are fixed, no gradient."""

    def __init__(self, layers, d0=32, gates=8, beta=1e-4):
        super().__init__()
        self.h, self.d0, self.beta = gates, d0, beta
        self.wte = nn.Parameter(torch.randn(VOCAB, d0) / math.sqrt(d0))
        self.wpe = nn.Parameter(torch.randn(N_TOKENS, d0) / math.sqrt(d0))
        self.Z = nn.ParameterList()
        self.U1, self.U2 = [], []
        for k in range(layers):
            hidden = k < layers - 1
            o = N_TOKENS * d0 if hidden else CLASSES
            std = math.sqrt(2 / (gates * N_TOKENS * (d0 if hidden else 1)))
            self.Z.append(nn.Parameter(torch.randn(gates, o, N_TOKENS * d0) * std))
            self.U1.append(torch.randn(gates, N_TOKENS))
            self.U2.append(torch.randn(gates, d0))

    def forward(self, ids):
        b = ids.shape[0]
        x = (self.wte[ids] + self.wpe).reshape(b, -1)
        for Z, u1, u2 in zip(self.Z, self.U1, self.U2):
            with torch.no_grad():  # the gates are piecewise constant in x
                s = torch.einsum("bkj,jk->bj", x.view(b, N_TOKENS, self.d0) @ u2.T, u1)
                gate = (s >= 0).to(x.dtype)
            h, o, p = Z.shape
            t = (x @ Z.reshape(h * o, p).T).view(b, h, o)
            x = (t * gate[:, :, None]).sum(1)
        return x

    def penalty(self):
        # a token row (d entries) of each Z_j[out] is one group, as DeepConvex.weightDecay sums them
        return self.beta * sum(Z.reshape(-1, self.d0).norm(dim=1).sum() for Z in self.Z)


if MODEL == "standard":
    model = Standard(L).to(dtype)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1.0, betas=(0.9, 0.98))
else:
    model = DeepConvex(L).to(dtype)
    model.U1 = [u.to(dtype) for u in model.U1]
    model.U2 = [u.to(dtype) for u in model.U2]
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-6, betas=(0.9, 0.999))

# a batch of division equations [x, op, y, =] -> x y^{-1} mod P (the y invertible mod P)
pairs = [(x, y) for x in range(P) for y in range(1, P) if math.gcd(y, P) == 1]
rows = torch.randperm(len(pairs))[:B]
ids = torch.tensor([[pairs[r][0], P, pairs[r][1], P + 1] for r in rows.tolist()])
labels = torch.tensor([pairs[r][0] * pow(pairs[r][1], -1, P) % P for r in rows.tolist()])

times = []
for s in range(STEPS + 3):
    t0 = time.perf_counter()
    loss = F.cross_entropy(model(ids), labels) + model.penalty()
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    if s >= 3:
        times.append((time.perf_counter() - t0) * 1e3)
print(json.dumps({
    "medianMs": statistics.median(times), "params": sum(p.numel() for p in model.parameters()),
    "threads": torch.get_num_threads(), "torch": torch.__version__, "dtype": DTYPE,
}))
