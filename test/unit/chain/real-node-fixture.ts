// Responses of a real CometBFT v0.38 node (kvstore app, chain 'dockerchain'), recorded by
// tendermint-rs: rpc/tests/kvstore_fixtures/v0_38/incoming/commit_at_height_10.json and
// genesis.json (informalsystems/tendermint-rs). The validator is given in /validators shape.
export const commitAtHeight10 = {
  id: 'ee769e8a-4fa9-4e9a-9019-fc72ef5c3f02',
  jsonrpc: '2.0',
  result: {
    canonical: true,
    signed_header: {
      commit: {
        block_id: {
          hash: '00ECDAC463C201ECD4BDBBAAE4A53A4C80291D4051FD69ED97F6420CE1388BFE',
          parts: { hash: 'FF0A320E696FD233DD4D3CC7CD82FF90F54B8FDBC9C700D9375C95A02782B062', total: 1 }
        },
        height: '10',
        round: 0,
        signatures: [{
          block_id_flag: 2,
          signature: '5y0Kas3bSrgVYG/QKwWovMpTBfavZfy/A8DXkQHzFHVMjOcVk2TK6xhYQasfiodordg1bjDf7NDwNi/YdilaAw==',
          timestamp: '2023-05-17T14:12:53.605374524Z',
          validator_address: '2DD9F44FD9067555C322243C3C913BA7B51D2BE0'
        }]
      },
      header: {
        app_hash: '0000000000000000',
        chain_id: 'dockerchain',
        consensus_hash: '048091BC7DDC283F77BFBF91D73C44DA58C3DF8A9CBC867405D8B7F3DAADA22F',
        data_hash: 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855',
        evidence_hash: 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855',
        height: '10',
        last_block_id: {
          hash: '678A83FB0422D053A3792154703122861DD68ABB8247A4FF2945DF832DB18FC8',
          parts: { hash: '29FE32F6B57D8439C9E9F6240B436DD560646FDA8C8C105E2C261B6F4746E89C', total: 1 }
        },
        last_commit_hash: 'A3AD467820428D99FD53BFCF38CDC1EB141DD27E3B5F0F3931BBE91FBA8B097D',
        last_results_hash: 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855',
        next_validators_hash: '33415EFFCEDA5BD0A3A443A727457D9F7B9E38389BF27A936FEDF749A7B7566E',
        proposer_address: '2DD9F44FD9067555C322243C3C913BA7B51D2BE0',
        time: '2023-05-17T14:12:53.088875124Z',
        validators_hash: '33415EFFCEDA5BD0A3A443A727457D9F7B9E38389BF27A936FEDF749A7B7566E',
        version: { app: '1', block: '11' }
      }
    }
  }
}

export const genesisValidators = {
  jsonrpc: '2.0',
  id: -1,
  result: {
    block_height: '10',
    validators: [{
      address: '2DD9F44FD9067555C322243C3C913BA7B51D2BE0',
      pub_key: { type: 'tendermint/PubKeyEd25519', value: 'bNNlGls5R25wC3Sd8720F/3+7IZBhXcD22MNFtPk/v0=' },
      voting_power: '10',
      proposer_priority: '0'
    }],
    count: '1',
    total: '1'
  }
}
