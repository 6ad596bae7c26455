"""Appeals (banding): filing, panels, findings; can_issue_certificate."""
