package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/golemml/golem/internal/kernels"
	"github.com/golemml/golem/tensor"
)

// Conv2D is Keras's 2-D convolution (cross-correlation) on channels-last
// images, Keras's default layout: input [batch, H, W, C] (NHWC), kernel
// [kh, kw, C, Filters] (HWIO), bias [Filters], output [batch, OH, OW,
// Filters]. PyTorch's Conv2d is channels-first: input NCHW and weight
// [Filters, C, kh, kw] (OIHW), so kernel = weight.permute(2, 3, 1, 0).
//
// It runs as im2col (each output pixel's receptive field becomes a row)
// followed by one SGEMM with the kernel seen as a [kh·kw·C, Filters]
// matrix; the backward pass is the two transposed SGEMMs and col2im.
// Padding is "valid" (default) or "same" (Keras's: total padding
// max((⌈H/s⌉-1)·s + kh - H, 0), the smaller half at the top/left).
// Initial values are Keras's: glorot_uniform kernel, zero bias.
type Conv2D struct {
	Filters    int
	KernelSize [2]int
	Strides    [2]int // default 1, 1
	Padding    string // "valid" (default) or "same"
	Activation string
	NoBias     bool

	base
	in           []int
	geo          convGeom
	Kernel, Bias *tensor.Tensor `json:"-"`
}

// convGeom is the geometry of one convolution or pooling.
type convGeom struct {
	H, W, C, KH, KW, SH, SW, OH, OW, PT, PL int
}

func newGeom(h, w, c, kh, kw, sh, sw int, padding string) (convGeom, error) {
	g := convGeom{H: h, W: w, C: c, KH: kh, KW: kw, SH: sh, SW: sw}
	switch padding {
	case "", "valid":
		g.OH, g.OW = (h-kh)/sh+1, (w-kw)/sw+1
		if h < kh || w < kw {
			g.OH, g.OW = 0, 0
		}
	case "same":
		g.OH, g.OW = (h+sh-1)/sh, (w+sw-1)/sw
		g.PT = max((g.OH-1)*sh+kh-h, 0) / 2
		g.PL = max((g.OW-1)*sw+kw-w, 0) / 2
	default:
		return g, fmt.Errorf("padding %q (want valid or same)", padding)
	}
	if g.OH <= 0 || g.OW <= 0 {
		return g, fmt.Errorf("window %dx%d does not fit input %dx%d", kh, kw, h, w)
	}
	return g, nil
}

// Build creates the kernel and bias.
func (l *Conv2D) Build(in []int, rng *rand.Rand) error {
	if l.name == "" {
		l.name = "conv2d"
	}
	if l.Strides == [2]int{} {
		l.Strides = [2]int{1, 1}
	}
	if l.Filters <= 0 || l.KernelSize[0] <= 0 || l.KernelSize[1] <= 0 || l.Strides[0] <= 0 || l.Strides[1] <= 0 {
		return fmt.Errorf("nn.Conv2D %q: Filters %d, KernelSize %v and Strides %v must be positive", l.name, l.Filters, l.KernelSize, l.Strides)
	}
	if len(in) != 3 || in[0] <= 0 || in[1] <= 0 || in[2] <= 0 {
		return fmt.Errorf("nn.Conv2D %q: input shape %s, want (None, H, W, C) (channels last)", l.name, FormatShape(in))
	}
	if err := checkActivation("Conv2D", l.name, l.Activation); err != nil {
		return err
	}
	g, err := newGeom(in[0], in[1], in[2], l.KernelSize[0], l.KernelSize[1], l.Strides[0], l.Strides[1], l.Padding)
	if err != nil {
		return fmt.Errorf("nn.Conv2D %q: %w", l.name, err)
	}
	l.geo = g
	l.in = append([]int(nil), in...)
	l.params = nil
	l.Kernel = l.addParam("kernel", glorotUniform(rng, g.KH, g.KW, g.C, l.Filters), true)
	if !l.NoBias {
		l.Bias = l.addParam("bias", tensor.Zeros(l.Filters), true)
	}
	l.setOut(g.OH, g.OW, l.Filters)
	l.built = true
	return nil
}

// Forward convolves a batch of NHWC images.
func (l *Conv2D) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	l.mustBuilt("Conv2D")
	checkInput("Conv2D", l.name, x, l.in)
	return activate(l.Activation, conv2d(contig(x), l.Kernel, l.Bias, l.geo))
}

// conv2d is the fused im2col convolution: x [B,H,W,C], k [KH,KW,C,F],
// optional b [F] → [B,OH,OW,F].
func conv2d(x, k, b *tensor.Tensor, g convGeom) *tensor.Tensor {
	B := x.Size(0)
	F := k.Size(3)
	K := g.KH * g.KW * g.C
	rows := B * g.OH * g.OW
	cols := tensor.Empty(rows * K)
	cd, xd, kd := cols.Data(), x.Data(), k.Data()
	im2col(cd, xd, B, g)
	out := tensor.Empty(B, g.OH, g.OW, F)
	od := out.Data()
	beta := float32(0)
	if b != nil {
		bd := b.Data()
		for r := 0; r < rows; r++ {
			copy(od[r*F:(r+1)*F], bd)
		}
		beta = 1
	}
	kernels.Sgemm(false, false, rows, F, K, 1, cd, K, kd, F, beta, od, F)
	if !tensor.Records(x, k, b) {
		cols.Release()
	}
	return tensor.Op("Conv2D", out, []*tensor.Tensor{x, k, b}, func(gr *tensor.Tensor) []*tensor.Tensor {
		gd := gr.Data()
		res := make([]*tensor.Tensor, 3)
		if x.NeedsGrad() {
			dcols := tensor.Empty(rows * K)
			kernels.Sgemm(false, true, rows, K, F, 1, gd, F, kd, F, 0, dcols.Data(), K)
			dx := tensor.Zeros(x.Shape()...)
			col2im(dx.Data(), dcols.Data(), B, g)
			dcols.Release()
			res[0] = dx
		}
		if k.NeedsGrad() {
			dk := tensor.Empty(k.Shape()...)
			kernels.Sgemm(true, false, K, F, rows, 1, cd, K, gd, F, 0, dk.Data(), F)
			res[1] = dk
		}
		if b != nil && b.NeedsGrad() {
			db := tensor.Zeros(F)
			dbd := db.Data()
			for r := 0; r < rows; r++ {
				kernels.Axpy(1, gd[r*F:(r+1)*F], dbd)
			}
			res[2] = db
		}
		cols.Release()
		return res
	})
}

// im2col writes, for every output pixel (row), its receptive field in
// (kh, kw, c) order, zeros where it falls in the padding.
func im2col(cd, xd []float32, B int, g convGeom) {
	K := g.KH * g.KW * g.C
	kernels.ParallelFor(B*g.OH, func(lo, hi int) {
		for bo := lo; bo < hi; bo++ {
			b, oh := bo/g.OH, bo%g.OH
			for ow := 0; ow < g.OW; ow++ {
				row := cd[((b*g.OH+oh)*g.OW+ow)*K:][:K]
				i := 0
				for kh := 0; kh < g.KH; kh++ {
					ih := oh*g.SH + kh - g.PT
					for kw := 0; kw < g.KW; kw++ {
						iw := ow*g.SW + kw - g.PL
						dst := row[i : i+g.C]
						if ih < 0 || ih >= g.H || iw < 0 || iw >= g.W {
							clear(dst)
						} else {
							copy(dst, xd[((b*g.H+ih)*g.W+iw)*g.C:][:g.C])
						}
						i += g.C
					}
				}
			}
		}
	})
}

// col2im adds each row of dcols back onto the input pixels it came from.
func col2im(dx, dcols []float32, B int, g convGeom) {
	K := g.KH * g.KW * g.C
	kernels.ParallelFor(B, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			for oh := 0; oh < g.OH; oh++ {
				for ow := 0; ow < g.OW; ow++ {
					row := dcols[((b*g.OH+oh)*g.OW+ow)*K:][:K]
					i := 0
					for kh := 0; kh < g.KH; kh++ {
						ih := oh*g.SH + kh - g.PT
						for kw := 0; kw < g.KW; kw++ {
							iw := ow*g.SW + kw - g.PL
							if ih >= 0 && ih < g.H && iw >= 0 && iw < g.W {
								kernels.Axpy(1, row[i:i+g.C], dx[((b*g.H+ih)*g.W+iw)*g.C:][:g.C])
							}
							i += g.C
						}
					}
				}
			}
		}
	})
}

// Conv1D is Keras's 1-D convolution over time: input [batch, T, C], kernel
// [k, C, Filters], output [batch, OT, Filters]; it is Conv2D on a height-1
// image. PyTorch's Conv1d weight is [Filters, C, k]: kernel =
// weight.permute(2, 1, 0).
type Conv1D struct {
	Filters    int
	KernelSize int
	Strides    int    // default 1
	Padding    string // "valid" (default) or "same"
	Activation string
	NoBias     bool

	base
	in           []int
	geo          convGeom
	Kernel, Bias *tensor.Tensor `json:"-"`
}

// Build creates the kernel and bias.
func (l *Conv1D) Build(in []int, rng *rand.Rand) error {
	if l.name == "" {
		l.name = "conv1d"
	}
	if l.Strides == 0 {
		l.Strides = 1
	}
	if l.Filters <= 0 || l.KernelSize <= 0 || l.Strides <= 0 {
		return fmt.Errorf("nn.Conv1D %q: Filters %d, KernelSize %d and Strides %d must be positive", l.name, l.Filters, l.KernelSize, l.Strides)
	}
	if len(in) != 2 || in[0] <= 0 || in[1] <= 0 {
		return fmt.Errorf("nn.Conv1D %q: input shape %s, want (None, T, C) with known T", l.name, FormatShape(in))
	}
	if err := checkActivation("Conv1D", l.name, l.Activation); err != nil {
		return err
	}
	g, err := newGeom(1, in[0], in[1], 1, l.KernelSize, 1, l.Strides, l.Padding)
	if err != nil {
		return fmt.Errorf("nn.Conv1D %q: %w", l.name, err)
	}
	l.geo = g
	l.in = append([]int(nil), in...)
	l.params = nil
	l.Kernel = l.addParam("kernel", glorotUniform(rng, l.KernelSize, in[1], l.Filters), true)
	if !l.NoBias {
		l.Bias = l.addParam("bias", tensor.Zeros(l.Filters), true)
	}
	l.setOut(g.OW, l.Filters)
	l.built = true
	return nil
}

// Forward convolves a batch of sequences.
func (l *Conv1D) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	l.mustBuilt("Conv1D")
	checkInput("Conv1D", l.name, x, l.in)
	B := x.Size(0)
	k := l.Kernel.Reshape(1, l.KernelSize, l.geo.C, l.Filters)
	y := conv2d(contig(x).Reshape(B, 1, l.geo.W, l.geo.C), k, l.Bias, l.geo)
	return activate(l.Activation, y.Reshape(B, l.geo.OW, l.Filters))
}

// MaxPool2D takes the maximum over PoolSize windows of NHWC images, as
// Keras's MaxPooling2D (pool (2, 2), strides = pool size, padding valid by
// default). The gradient goes to the first maximum of each window.
type MaxPool2D struct {
	PoolSize [2]int
	Strides  [2]int
	Padding  string

	base
	in  []int
	geo convGeom
}

// AveragePool2D averages PoolSize windows of NHWC images, as Keras's
// AveragePooling2D. With "same" padding a window averages only the pixels
// inside the image, as Keras does.
type AveragePool2D struct {
	PoolSize [2]int
	Strides  [2]int
	Padding  string

	base
	in  []int
	geo convGeom
}

func buildPool(kind string, b *base, in []int, pool, strides *[2]int, padding string) (convGeom, error) {
	if *pool == [2]int{} {
		*pool = [2]int{2, 2}
	}
	if *strides == [2]int{} {
		*strides = *pool
	}
	if len(in) != 3 {
		return convGeom{}, fmt.Errorf("nn.%s %q: input shape %s, want (None, H, W, C)", kind, b.name, FormatShape(in))
	}
	g, err := newGeom(in[0], in[1], in[2], pool[0], pool[1], strides[0], strides[1], padding)
	if err != nil {
		return g, fmt.Errorf("nn.%s %q: %w", kind, b.name, err)
	}
	b.setOut(g.OH, g.OW, g.C)
	b.built = true
	return g, nil
}

// Build checks the geometry.
func (l *MaxPool2D) Build(in []int, rng *rand.Rand) (err error) {
	if l.name == "" {
		l.name = "max_pool2d"
	}
	l.in = append([]int(nil), in...)
	l.geo, err = buildPool("MaxPool2D", &l.base, in, &l.PoolSize, &l.Strides, l.Padding)
	return err
}

// Build checks the geometry.
func (l *AveragePool2D) Build(in []int, rng *rand.Rand) (err error) {
	if l.name == "" {
		l.name = "average_pool2d"
	}
	l.in = append([]int(nil), in...)
	l.geo, err = buildPool("AveragePool2D", &l.base, in, &l.PoolSize, &l.Strides, l.Padding)
	return err
}

// Forward pools x.
func (l *MaxPool2D) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	l.mustBuilt("MaxPool2D")
	checkInput("MaxPool2D", l.name, x, l.in)
	return pool2d("MaxPool2D", contig(x), l.geo, true)
}

// Forward pools x.
func (l *AveragePool2D) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	l.mustBuilt("AveragePool2D")
	checkInput("AveragePool2D", l.name, x, l.in)
	return pool2d("AveragePool2D", contig(x), l.geo, false)
}

// pool2d is the fused max or average pooling. For max it records the
// argmax of each output; for average the number of in-image pixels.
func pool2d(name string, x *tensor.Tensor, g convGeom, isMax bool) *tensor.Tensor {
	B := x.Size(0)
	out := tensor.Empty(B, g.OH, g.OW, g.C)
	xd, od := x.Data(), out.Data()
	n := B * g.OH * g.OW * g.C
	arg := make([]int32, n) // max: input index; average: pixel count
	kernels.ParallelFor(B*g.OH, func(lo, hi int) {
		for bo := lo; bo < hi; bo++ {
			b, oh := bo/g.OH, bo%g.OH
			for ow := 0; ow < g.OW; ow++ {
				for c := 0; c < g.C; c++ {
					o := ((b*g.OH+oh)*g.OW+ow)*g.C + c
					best, bi := float32(math.Inf(-1)), int32(-1)
					var sum float32
					cnt := int32(0)
					for kh := 0; kh < g.KH; kh++ {
						ih := oh*g.SH + kh - g.PT
						if ih < 0 || ih >= g.H {
							continue
						}
						for kw := 0; kw < g.KW; kw++ {
							iw := ow*g.SW + kw - g.PL
							if iw < 0 || iw >= g.W {
								continue
							}
							i := ((b*g.H+ih)*g.W+iw)*g.C + c
							v := xd[i]
							if bi < 0 || v > best {
								best, bi = v, int32(i)
							}
							sum += v
							cnt++
						}
					}
					if isMax {
						od[o], arg[o] = best, bi
					} else {
						od[o], arg[o] = sum/float32(cnt), cnt
					}
				}
			}
		}
	})
	return tensor.Op(name, out, []*tensor.Tensor{x}, func(gr *tensor.Tensor) []*tensor.Tensor {
		gd := gr.Data()
		dx := tensor.Zeros(x.Shape()...)
		dd := dx.Data()
		if isMax {
			for o, i := range arg {
				dd[i] += gd[o]
			}
			return []*tensor.Tensor{dx}
		}
		for o := range gd {
			c := o % g.C
			ow := o / g.C % g.OW
			oh := o / (g.C * g.OW) % g.OH
			b := o / (g.C * g.OW * g.OH)
			v := gd[o] / float32(arg[o])
			for kh := 0; kh < g.KH; kh++ {
				ih := oh*g.SH + kh - g.PT
				if ih < 0 || ih >= g.H {
					continue
				}
				for kw := 0; kw < g.KW; kw++ {
					iw := ow*g.SW + kw - g.PL
					if iw >= 0 && iw < g.W {
						dd[((b*g.H+ih)*g.W+iw)*g.C+c] += v
					}
				}
			}
		}
		return []*tensor.Tensor{dx}
	})
}
