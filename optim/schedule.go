package optim

import "math"

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
