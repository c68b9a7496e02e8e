module github.com/carecoop/carecoop/services/framework

go 1.26.8
