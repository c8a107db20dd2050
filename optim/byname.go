package optim

import (
	"fmt"
	"strings"
)

// ByName returns a new optimizer from its Keras name ("sgd", "adam",
// "adamw", "rmsprop", "adagrad"; case-insensitive), for Keras-style
// model.Compile("adam", ...). The learning rate is Keras's default for that
// optimizer (0.01 for SGD, 0.001 for the others); every other
// hyper-parameter is PyTorch's default, as with the New functions.
func ByName(name string) (Optimizer, error) {
	switch strings.ToLower(name) {
	case "sgd":
		return NewSGD(0.01), nil
	case "adam":
		return NewAdam(0.001), nil
	case "adamw":
		return NewAdamW(0.001), nil
	case "rmsprop":
		return NewRMSProp(0.001), nil
	case "adagrad":
		return NewAdagrad(0.001), nil
	}
	return nil, fmt.Errorf("optim: unknown optimizer %q (want sgd, adam, adamw, rmsprop or adagrad)", name)
}
