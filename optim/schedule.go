package optim

import (
	"fmt"
	"math"
)

// Schedule gives the learning rate as a function of the step (0-based).
// A training loop calls opt.SetLR(s.LR(step)) before each Step.
type Schedule interface {
	LR(step int) float64
}

// Constant is a fixed learning rate.
type Constant float64

// LR returns c at every step.
func (c Constant) LR(step int) float64 { return float64(c) }

// StepDecay multiplies the rate by Gamma every StepSize steps, as
// torch.optim.lr_scheduler.StepLR: Initial·Gamma^⌊step/StepSize⌋.
type StepDecay struct {
	Initial  float64
	StepSize int
	Gamma    float64
}

// LR returns the rate at step.
func (s StepDecay) LR(step int) float64 {
	if s.StepSize <= 0 {
		return s.Initial
	}
	return s.Initial * math.Pow(s.Gamma, float64(step/s.StepSize))
}

// ExponentialDecay is Keras's ExponentialDecay schedule:
// Initial·Rate^(step/DecaySteps), with the exponent floored when Staircase.
type ExponentialDecay struct {
	Initial    float64
	DecaySteps int
	Rate       float64
	Staircase  bool
}

// LR returns the rate at step.
func (s ExponentialDecay) LR(step int) float64 {
	if s.DecaySteps <= 0 {
		return s.Initial
	}
	p := float64(step) / float64(s.DecaySteps)
	if s.Staircase {
		p = math.Floor(p)
	}
	return s.Initial * math.Pow(s.Rate, p)
}

// CosineWithWarmup is nanoGPT's get_lr: a linear warmup to Max over Warmup
// steps (Max·(step+1)/(Warmup+1)), then a cosine decay from Max to Min that
// reaches Min at step Total, and Min after it.
type CosineWithWarmup struct {
	Max, Min      float64
	Warmup, Total int
}

// LR returns the rate at step.
func (s CosineWithWarmup) LR(step int) float64 {
	if step < s.Warmup {
		return s.Max * float64(step+1) / float64(s.Warmup+1)
	}
	if step > s.Total || s.Total <= s.Warmup {
		return s.Min
	}
	ratio := float64(step-s.Warmup) / float64(s.Total-s.Warmup)
	coeff := 0.5 * (1 + math.Cos(math.Pi*ratio))
	return s.Min + coeff*(s.Max-s.Min)
}

// CosineDecay is Keras's CosineDecay (without warmup): the rate falls from
// Initial along half a cosine to Initial·Alpha at DecaySteps and stays
// there.
type CosineDecay struct {
	Initial    float64
	DecaySteps int
	Alpha      float64
}

// LR returns the rate at step.
func (s CosineDecay) LR(step int) float64 {
	if s.DecaySteps <= 0 {
		return s.Initial
	}
	frac := float64(min(step, s.DecaySteps)) / float64(s.DecaySteps)
	cosine := 0.5 * (1 + math.Cos(math.Pi*frac))
	return s.Initial * ((1-s.Alpha)*cosine + s.Alpha)
}

// PolynomialDecay is Keras's PolynomialDecay:
// (Initial-End)·(1-step/DecaySteps)^Power + End, with step capped at
// DecaySteps, or, with Cycle, DecaySteps stretched to the next multiple
// above step.
type PolynomialDecay struct {
	Initial    float64
	DecaySteps int
	End        float64
	Power      float64
	Cycle      bool
}

// LR returns the rate at step.
func (s PolynomialDecay) LR(step int) float64 {
	if s.DecaySteps <= 0 {
		return s.End
	}
	decay := float64(s.DecaySteps)
	p := float64(step)
	if s.Cycle {
		mult := math.Ceil(p / decay)
		if step == 0 {
			mult = 1
		}
		decay *= mult
	} else {
		p = math.Min(p, decay)
	}
	return (s.Initial-s.End)*math.Pow(1-p/decay, s.Power) + s.End
}

// InverseTimeDecay is Keras's InverseTimeDecay:
// Initial / (1 + Rate·step/DecaySteps), the quotient floored when Staircase.
type InverseTimeDecay struct {
	Initial    float64
	DecaySteps int
	Rate       float64
	Staircase  bool
}

// LR returns the rate at step.
func (s InverseTimeDecay) LR(step int) float64 {
	if s.DecaySteps <= 0 {
		return s.Initial
	}
	p := float64(step) / float64(s.DecaySteps)
	if s.Staircase {
		p = math.Floor(p)
	}
	return s.Initial / (1 + s.Rate*p)
}

// PiecewiseConstant is Keras's PiecewiseConstantDecay: Values[0] while
// step <= Boundaries[0], Values[i] while Boundaries[i-1] < step <=
// Boundaries[i], and the last value after the last boundary. Values must
// have one more element than Boundaries (it panics otherwise, naming both
// lengths); Boundaries must increase.
type PiecewiseConstant struct {
	Boundaries []int
	Values     []float64
}

// LR returns the rate at step.
func (s PiecewiseConstant) LR(step int) float64 {
	if len(s.Values) != len(s.Boundaries)+1 {
		panic(fmt.Sprintf("optim.PiecewiseConstant: %d values for %d boundaries, want one more value than boundaries", len(s.Values), len(s.Boundaries)))
	}
	for i, b := range s.Boundaries {
		if step <= b {
			return s.Values[i]
		}
	}
	return s.Values[len(s.Values)-1]
}
