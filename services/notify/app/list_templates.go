package app

import (
	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/notify/domain"
)

// ListTemplates is every kind of message, whom it goes to and for whom it
// is mandatory.
func (s *Service) ListTemplates() *notifyv1.ListTemplatesResponse {
	out := &notifyv1.ListTemplatesResponse{}
	for _, t := range domain.Templates {
		out.Templates = append(out.Templates, &notifyv1.Template{Id: t.ID, Title: t.Title, Roles: t.Roles, MandatoryFor: t.MandatoryFor, Urgent: t.Urgent})
	}
	return out
}
