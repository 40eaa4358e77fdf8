"""The Python module on the GPU with PyTorch: products against torch's own,
zero-copy exchange, and ordering on the caller's stream. Skipped, with the
reason, where there is no GPU or no PyTorch with a GPU."""
import numpy as np
import pytest

import hipquant

torch = pytest.importorskip("torch", reason="PyTorch is not installed: the GPU tests need it")
if hipquant.device_count() == 0 or not torch.cuda.is_available():
    pytest.skip("no GPU on this machine (hipquant.device_count() == 0): GPU tests not run", allow_module_level=True)


@pytest.fixture(scope="module")
def dev():
    return hipquant.Device(0)


def q8_1_decoded(x):
    """x [batch, cols] as the Q8_1 activations the integer products read (the
    reference the selftest bound is stated against)."""
    b, c = x.shape
    pad = (-c) % 32
    xp = torch.nn.functional.pad(x, (0, pad)).reshape(b, -1, 32)
    amax = xp.abs().amax(dim=2, keepdim=True)
    d = amax / 127.0
    inv = torch.where(d != 0, 1.0 / d, torch.zeros_like(d))
    v = xp * inv
    q = torch.sign(v) * torch.floor(v.abs() + 0.5)  # round half away from zero, as roundf
    return (q * d.half().float()).reshape(b, -1)[:, :c]


def check_product(w, dev, x, y):
    wd = torch.from_dlpack(w.dequantize()).double()
    xq = q8_1_decoded(x).double()
    ref = xq @ wd.T
    bound = 1e-4 * (xq.abs() @ wd.abs().T) + 1e-6
    err = (torch.from_dlpack(y).double() - ref).abs()
    assert bool((err <= bound).all()), f"max error {err.max().item()} over bound"


@pytest.mark.parametrize("qtype", ["Q4_0", "Q8_0", "Q4_K", "Q6_K", "IQ4_NL", "IQ4_XS", "MXFP4"])
@pytest.mark.parametrize("batch", [1, 8, 64, 512])
def test_matmul_equals_torch(dev, qtype, batch):
    rng = np.random.default_rng(batch)
    rows, cols = 300, 1024
    w = hipquant.Weight.quantize(dev, qtype, rng.standard_normal((rows, cols)).astype(np.float32))
    x = torch.randn(batch, cols, device="cuda")
    y = w.matmul(x)
    assert y.shape == (batch, rows)
    check_product(w, dev, x, y)


@pytest.mark.parametrize("batch", [1, 2, 8])
def test_matmul_with_a_workspace_equals_the_pooled_call(dev, batch):
    # With a Workspace, batch 1 and 2 quantize inside the product kernel:
    # the results equal the pooled call's bit for bit, call after call.
    rng = np.random.default_rng(70 + batch)
    rows, cols = 300, 1024
    w = hipquant.Weight.quantize(dev, "Q4_K", rng.standard_normal((rows, cols)).astype(np.float32))
    ws = hipquant.Workspace(dev, w.workspace_bytes(batch))
    assert ws.nbytes >= w.workspace_bytes(batch)
    x = torch.randn(batch, cols, device="cuda")
    want = torch.from_dlpack(w.matmul(x))
    for _ in range(3):
        assert torch.equal(torch.from_dlpack(w.matmul(x, workspace=ws)), want)
    small = hipquant.Workspace(dev, 16)
    with pytest.raises(hipquant.Error, match="the workspace has"):
        w.matmul(x, workspace=small)


def test_experts_with_a_workspace_equal_the_pooled_call(dev):
    rng = np.random.default_rng(80)
    e = hipquant.Experts.quantize(dev, "Q8_0", rng.standard_normal((8, 96, 512)).astype(np.float32))
    ids = torch.from_numpy(rng.integers(0, 8, (1, 4)).astype(np.int32)).cuda()
    x = torch.randn(1, 512, device="cuda")
    ws = hipquant.Workspace(dev, e.workspace_bytes(1, 4))
    want = torch.from_dlpack(e.mul_mat_id(x, ids))
    assert torch.equal(torch.from_dlpack(e.mul_mat_id(x, ids, workspace=ws)), want)


@pytest.mark.parametrize("qtype", ["Q4_K", "Q8_0", "MXFP4"])
@pytest.mark.parametrize("tokens,top_k,per_slot", [(1, 8, False), (5, 2, True), (64, 4, False)])
def test_experts_equal_torch(dev, qtype, tokens, top_k, per_slot):
    rng = np.random.default_rng(tokens * 10 + top_k)
    n_experts, rows, cols = 8, 96, 512
    values = rng.standard_normal((n_experts, rows, cols)).astype(np.float32)
    e = hipquant.Experts.quantize(dev, qtype, values)
    assert (e.experts, e.rows, e.cols, e.type) == (n_experts, rows, cols, qtype)
    ids = torch.from_numpy(rng.integers(0, n_experts, (tokens, top_k)).astype(np.int32)).cuda()
    x = torch.randn(tokens, top_k, cols, device="cuda") if per_slot else torch.randn(tokens, cols, device="cuda")
    y = torch.from_dlpack(e.mul_mat_id(x, ids))
    assert tuple(y.shape) == (tokens, top_k, rows)
    wd = torch.from_numpy(hipquant.reference.dequantize(
        qtype, hipquant.reference.quantize(qtype, values.reshape(-1, cols)), n_experts * rows, cols)).cuda().double()
    wd = wd.reshape(n_experts, rows, cols)
    xs = x if per_slot else x[:, None, :].expand(tokens, top_k, cols)
    xq = q8_1_decoded(xs.reshape(-1, cols)).double().reshape(tokens, top_k, cols)
    w_sel = wd[ids.long()]  # [tokens, top_k, rows, cols]
    ref = torch.einsum("tkrc,tkc->tkr", w_sel, xq)
    bound = 1e-4 * torch.einsum("tkrc,tkc->tkr", w_sel.abs(), xq.abs()) + 1e-6
    err = (y.double() - ref).abs()
    assert bool((err <= bound).all()), f"max error {err.max().item()} over bound"


def test_experts_bad_id_is_an_error(dev):
    e = hipquant.Experts.quantize(dev, "Q4_0", np.ones((2, 32, 64), np.float32))
    ids = torch.tensor([[0, 2]], dtype=torch.int32, device="cuda")
    with pytest.raises(hipquant.Error, match=r"ids\[0\]\[1\] = 2 is not an expert of 2"):
        e.mul_mat_id(torch.ones(1, 64, device="cuda"), ids)


def test_exchange_is_zero_copy(dev):
    w = hipquant.Weight.quantize(dev, "Q8_0", np.ones((64, 256), np.float32))
    big = torch.randn(20, 512, device="cuda")
    x = big[3:11, 100:356]  # a strided view: rows 512 floats apart, read in place
    y = w.matmul(x)
    yt = torch.from_dlpack(y)
    assert yt.data_ptr() == y.data_ptr  # the result is not copied on the way out
    check_product(w, dev, x.contiguous(), y)
    # 3-D activations multiply as one batch.
    y3 = torch.from_dlpack(w.matmul(big[:6].reshape(2, 3, 512)[:, :, :256]))
    assert tuple(y3.shape) == (2, 3, 64)


def slow_write(dst, src, stream):
    """Queues, on `stream`, a long wait and then dst <- src."""
    with torch.cuda.stream(stream):
        torch.cuda._sleep(50_000_000)  # ~30 ms of GPU time before the write
        dst.copy_(src)


@pytest.mark.parametrize("explicit", [True, False])
def test_work_on_a_torch_stream_is_ordered(dev, explicit):
    rows, cols, batch = 256, 512, 4
    w = hipquant.Weight.quantize(dev, "Q4_0", np.random.default_rng(3).standard_normal((rows, cols)).astype(np.float32))
    src = torch.randn(batch, cols, device="cuda")
    torch.cuda.synchronize()
    s = torch.cuda.Stream()
    x = torch.zeros(batch, cols, device="cuda")
    torch.cuda.synchronize()
    slow_write(x, src, s)  # x holds zeros until the sleep on s is over
    with torch.cuda.stream(s):
        # Explicitly on s; or on hipquant's own stream, which the DLPack
        # exchange orders after s's pending work (torch's current stream).
        y = w.matmul(x, stream=s) if explicit else w.matmul(x)
        yt = torch.from_dlpack(y)  # s waits for hipquant's stream
        out = yt.clone()
    torch.cuda.synchronize()
    check_product(w, dev, src, out)  # fails with x's zeros if the stream was ignored


def test_get_rows_and_errors(dev):
    rows, cols = 50, 256
    values = np.random.default_rng(5).standard_normal((rows, cols)).astype(np.float32)
    w = hipquant.Weight.quantize(dev, "Q4_K", values)
    ids = torch.tensor([3, 0, 49], dtype=torch.int32, device="cuda")
    got = torch.from_dlpack(w.get_rows(ids)).cpu().numpy()
    full = w.dequantize().numpy()
    assert np.array_equal(got, full[[3, 0, 49]])
    with pytest.raises(hipquant.Error, match=r"indices\[1\] = 50 is out of range"):
        w.get_rows(torch.tensor([1, 50], dtype=torch.int32, device="cuda"))
    with pytest.raises(hipquant.Error, match="expected float32"):
        w.matmul(torch.zeros(2, cols, dtype=torch.float16, device="cuda"))
    with pytest.raises(hipquant.Error, match="values a row but the weight has 256 columns"):
        w.matmul(torch.zeros(2, 128, device="cuda"))
    with pytest.raises(hipquant.Error, match="not on GPU"):
        w.matmul(torch.zeros(2, cols))  # a CPU tensor
