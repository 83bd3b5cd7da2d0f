CREATE PROCEDURE updateData()
BEGIN
  INSERT INTO sys_sinkronisasi (id, time_stamp) VALUES ('1', NOW())
    ON DUPLICATE KEY UPDATE time_stamp = NOW();
END
