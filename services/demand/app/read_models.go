package app

import "github.com/carecoop/carecoop/services/kit/projection"

// ReadModels are the service's projections, for the kit's status API.
func (s *Service) ReadModels() []*projection.Runner { return []*projection.Runner{s.runner} }
