module github.com/carecoop/carecoop/tools/carecoop

go 1.26.8
