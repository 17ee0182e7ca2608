-- The refresher records its last cycle in service_state like every service (bigbrotr status,
-- its health check): its role could only read the table, so each record failed with
-- "permission denied" under the deployments' per-service roles (seen when the compose stack
-- ran for real).
GRANT INSERT, UPDATE ON service_state TO bigbrotr_refresher;
